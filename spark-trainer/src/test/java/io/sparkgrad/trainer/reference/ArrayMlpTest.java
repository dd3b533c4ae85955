package io.sparkgrad.trainer.reference;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.trainer.StepStats;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArrayMlpTest {

    private static double lossAt(ArrayMlp m, float[] p, SampleBlock b) {
        m.setParameters(p);
        return m.evaluate(b, 0, b.size()).lossSum();
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        SyntheticClassification data = new SyntheticClassification(12, 4, 3);
        SampleBlock b = data.block(0, 0, 10);
        ArrayMlp m = new ArrayMlp(new int[] {12, 7, 4}, 5, 1);
        float[] p = m.getParameters();
        float[] g = new float[m.numParameters()];
        int[] order = new int[b.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        StepStats s = m.computeGradient(b, order, 0, b.size(), g);
        assertEquals(10, s.count());
        double h = 1e-3;
        for (int i = 0; i < p.length; i += 3) {
            float[] up = p.clone();
            float[] down = p.clone();
            up[i] += (float) h;
            down[i] -= (float) h;
            double numeric = (lossAt(m, up, b) - lossAt(m, down, b)) / (up[i] - down[i]);
            assertEquals(numeric, g[i], 5e-4 + 1e-2 * Math.abs(numeric), "parameter " + i);
        }
    }

    @Test
    void threadsSplitTheSliceButComputeTheSameSum() {
        SyntheticClassification data = new SyntheticClassification(30, 5, 1);
        SampleBlock b = data.block(0, 0, 200);
        int[] order = io.sparkgrad.trainer.plan.EpochOrder.permutation(200, 1, 0, 0);
        float[] one = new float[ArrayMlp.factory(9, 30, 16, 5).create(1).numParameters()];
        float[] three = new float[one.length];
        StepStats a;
        StepStats c;
        try (ArrayMlp m1 = new ArrayMlp(new int[] {30, 16, 5}, 9, 1); ArrayMlp m3 = new ArrayMlp(new int[] {30, 16, 5}, 9, 3)) {
            a = m1.computeGradient(b, order, 10, 150, one);
            c = m3.computeGradient(b, order, 10, 150, three);
        }
        assertEquals(a.count(), c.count());
        assertEquals(a.correct(), c.correct());
        assertEquals(a.lossSum(), c.lossSum(), 1e-9 * Math.abs(a.lossSum()));
        for (int i = 0; i < one.length; i++) {
            assertEquals(one[i], three[i], 1e-5 + 1e-5 * Math.abs(one[i]), "parameter " + i);
        }
    }

    @Test
    void layoutNamesFollowPyTorchSequential() {
        ArrayMlp m = new ArrayMlp(new int[] {784, 10}, 1, 1);
        assertEquals(7850, m.numParameters());
        assertEquals("0.weight", m.parameterLayout().get(0).name());
        assertEquals(7840, m.parameterLayout().get(1).offset());
        assertEquals(3985, ArrayMlp.parameterCount(784, 5, 10));
        assertTrue(ArrayMlp.parameterCount(784, 1262, 10) > 990_000);
    }
}
