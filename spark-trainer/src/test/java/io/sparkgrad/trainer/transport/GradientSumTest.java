package io.sparkgrad.trainer.transport;

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
}
