package io.sparkgrad.trainer.transport;

import io.sparkgrad.kernel.NonFinite;
import io.sparkgrad.trainer.StepStats;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GradientSumTest {

    /** Values spanning many magnitudes, so a different summation order would change the float result. */
    private static float[][] leaves(int workers, int n, long seed) {
        Random r = new Random(seed);
        float[][] g = new float[workers][n];
        for (float[] row : g) {
            for (int i = 0; i < n; i++) {
                row[i] = (float) ((r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(12) - 6));
            }
        }
        return g;
    }

    private static float[] inOrder(float[][] g) {
        GradientSum s = new GradientSum();
        for (int w = 0; w < g.length; w++) {
            s.add(w, new StepStats(w, 0, 1), g[w].clone(), w);
        }
        return s.result(g.length).gradSum();
    }

    @Test
    void anyArrivalAndMergeOrderGivesBitIdenticalSums() {
        for (int workers : new int[] {1, 2, 3, 4, 5, 7, 8, 13}) {
            float[][] g = leaves(workers, 257, workers);
            float[] reference = inOrder(g);
            Random r = new Random(99);
            for (int trial = 0; trial < 30; trial++) {
                List<GradientSum> parts = new ArrayList<>();
                List<Integer> order = new ArrayList<>();
                for (int w = 0; w < workers; w++) {
                    order.add(w);
                }
                Collections.shuffle(order, r);
                for (int w : order) {
                    parts.add(new GradientSum().add(w, new StepStats(w, 0, 1), g[w].clone(), w));
                }
                // Merge random pairs, like treeAggregate's task-completion order would.
                while (parts.size() > 1) {
                    GradientSum a = parts.remove(r.nextInt(parts.size()));
                    GradientSum b = parts.remove(r.nextInt(parts.size()));
                    parts.add(r.nextBoolean() ? a.merge(b) : b.merge(a));
                }
                GradientSum.Result res = parts.get(0).result(workers);
                assertArrayEquals(reference, res.gradSum(), 0f, workers + " workers, trial " + trial);
                assertEquals(workers, res.stats().count());
                assertEquals(workers - 1, res.maxComputeNanos());
            }
        }
    }

    @Test
    void theFixedOrderIsTheDyadicTree() {
        float[][] g = {{1e8f}, {1f}, {-1e8f}, {1f}};
        // ((1e8 + 1) + (-1e8 + 1)) = 1e8 + -1e8 = 0 in float (1e8 + 1 rounds to 1e8).
        assertEquals(0f, inOrder(g)[0]);
    }

    @Test
    void countsEachWorkerOnce() {
        GradientSum s = new GradientSum().add(0, StepStats.ZERO, new float[2], 0).add(1, StepStats.ZERO, new float[2], 0);
        IllegalStateException twice = assertThrows(IllegalStateException.class, () -> s.add(1, StepStats.ZERO, new float[2], 0));
        assertTrue(twice.getMessage().contains("twice"), twice.getMessage());
        GradientSum partial = new GradientSum().add(0, StepStats.ZERO, new float[2], 0).add(2, StepStats.ZERO, new float[2], 0);
        IllegalStateException missing = assertThrows(IllegalStateException.class, () -> partial.result(3));
        assertTrue(missing.getMessage().contains("missing [1]"), missing.getMessage());
    }

    /**
     * The sum names its NaN and infinities however many workers there are, whichever pass wrote it (a join, the last
     * additions, or none for one worker), in the vector body and the tail, including sums of finite values that
     * overflow; and a sum with none has none.
     */
    @Test
    void theSumNamesItsNonFiniteValues() {
        for (int workers : new int[] {1, 2, 3, 4, 5, 7}) {
            int n = 1003;
            float[][] g = leaves(workers, n, 50 + workers);
            GradientSum clean = new GradientSum();
            for (int w = 0; w < workers; w++) {
                clean.add(w, new StepStats(w, 0, 1), g[w].clone(), w);
            }
            assertEquals(NonFinite.NONE, clean.result(workers).nonFinite(), workers + " workers, all finite");

            int last = workers - 1;
            g[last][17] = Float.NaN;
            g[0][500] = Float.NEGATIVE_INFINITY;
            g[0][1001] = 3e38f; // in the scalar tail: with the others' 3e38 the sum overflows
            for (int w = 1; w < workers; w++) {
                g[w][1001] = 3e38f;
            }
            GradientSum bad = new GradientSum();
            for (int w = workers - 1; w >= 0; w--) {
                bad.add(w, new StepStats(w, 0, 1), g[w].clone(), w);
            }
            NonFinite found = bad.result(workers).nonFinite();
            assertEquals(new NonFinite(workers == 1 ? 2 : 3, 17), found, workers + " workers");
        }
    }

    @Test
    void aSumReadBackFromKryoIsCheckedByReadingIt() {
        float[][] g = leaves(2, 1003, 77);
        g[1][33] = Float.POSITIVE_INFINITY;
        GradientSum partial = new GradientSum();
        partial.add(0, new StepStats(0, 0, 1), g[0].clone(), 0).add(1, new StepStats(1, 0, 1), g[1].clone(), 1);
        com.esotericsoftware.kryo.Kryo kryo = new com.esotericsoftware.kryo.Kryo();
        kryo.register(GradientSum.class, new GradientSumSerializer());
        com.esotericsoftware.kryo.io.Output out = new com.esotericsoftware.kryo.io.Output(1 << 16, -1);
        kryo.writeObject(out, partial);
        GradientSum back = kryo.readObject(new com.esotericsoftware.kryo.io.Input(out.toBytes()), GradientSum.class);
        assertEquals(new NonFinite(1, 33), back.result(2).nonFinite());
    }
}
