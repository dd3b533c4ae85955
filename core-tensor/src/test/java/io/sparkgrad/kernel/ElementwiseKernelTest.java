package io.sparkgrad.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ElementwiseKernelTest {

    @Test
    void reluZeroesNegativesKeepsNaNAndWorksInPlace() {
        float[] x = {-1f, 0f, 2f, Float.NaN, -0f, 3f};
        float[] y = new float[8];
        ReluKernel.forward(x, 0, y, 2, x.length);
        assertEquals(0f, y[2]);
        assertEquals(0f, y[3]);
        assertEquals(2f, y[4]);
        assertTrue(Float.isNaN(y[5]));
        assertEquals(Float.floatToIntBits(0f), Float.floatToIntBits(y[6]));
        ReluKernel.forward(x, 0, x, 0, x.length);
        assertEquals(0f, x[0]);
        assertEquals(3f, x[5]);
    }

    @Test
    void reluOnLongRunsKeepsNaNAndSignlessZeroInTheVectorBodyToo() {
        float[] x = new float[70];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i % 3 == 0 ? -1 : 1) * (i + 0.5f);
        }
        x[5] = Float.NaN;
        x[6] = -0f;
        x[37] = Float.NEGATIVE_INFINITY;
        float[] y = new float[x.length + 1];
        ReluKernel.forward(x, 0, y, 1, x.length);
        for (int i = 0; i < x.length; i++) {
            float expected = Float.isNaN(x[i]) ? Float.NaN : (x[i] > 0 ? x[i] : 0f);
            assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(y[i + 1]),
                    "element " + i + " of " + x[i]);
        }
    }

    @Test
    void reluBackwardPassesGradientOnlyWherePositiveAndCanAccumulate() {
        float[] y = {0f, 1f, 0f, 2f};
        float[] gy = {5f, 6f, 7f, 8f};
        float[] gx = {9f, 9f, 9f, 9f};
        ReluKernel.backward(y, 0, gy, 0, gx, 0, 4, false);
        assertEquals(java.util.List.of(0f, 6f, 0f, 8f), java.util.List.of(gx[0], gx[1], gx[2], gx[3]));
        ReluKernel.backward(y, 0, gy, 0, gx, 0, 4, true);
        assertEquals(java.util.List.of(0f, 12f, 0f, 16f), java.util.List.of(gx[0], gx[1], gx[2], gx[3]));
    }

    @Test
    void branchFreePositiveMaskAgreesWithTheComparisonOnSpecialValues() {
        float[] values = {0f, -0f, 1f, -1f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, Float.intBitsToFloat(0xffc00000), 3.5e-39f};
        for (float v : values) {
            assertEquals(v > 0f ? -1 : 0, ReluKernel.positiveMask(v), "mask of " + v);
        }
    }

    @Test
    void reluBackwardOnLongRunsMatchesTheComparisonIncludingTails() {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(9);
        for (int len : new int[] {1, 15, 16, 17, 100, 1031}) {
            float[] y = Reference.random(rnd, len + 2);
            y[1] = Float.NaN;
            float[] gy = Reference.random(rnd, len + 3);
            float[] gx = Conv2dKernelTest.filled(len + 1, 0.5f);
            ReluKernel.backward(y, 1, gy, 3, gx, 1, len, true);
            for (int i = 0; i < len; i++) {
                float expected = 0.5f + (y[1 + i] > 0f ? gy[3 + i] : 0f);
                assertEquals(expected, gx[1 + i], "len " + len + " element " + i);
            }
            float[] over = new float[len];
            ReluKernel.backward(y, 1, gy, 3, over, 0, len, false);
            for (int i = 0; i < len; i++) {
                assertEquals(y[1 + i] > 0f ? gy[3 + i] : 0f, over[i], "len " + len + " element " + i);
            }
        }
    }

    @Test
    void biasAddAndItsSumOverRowsAndChannels() {
        float[] y = new float[6];
        BiasKernel.addRows(2, 3, new float[] {1f, 2f, 3f}, 0, y, 0);
        assertEquals(java.util.List.of(1f, 2f, 3f, 1f, 2f, 3f),
                java.util.List.of(y[0], y[1], y[2], y[3], y[4], y[5]));
        float[] sums = {10f, 10f, 10f};
        BiasKernel.sumRows(2, 3, y, 0, sums, 0, false);
        assertEquals(java.util.List.of(2f, 4f, 6f), java.util.List.of(sums[0], sums[1], sums[2]));

        float[] z = new float[2 * 2 * 3]; // [n=2, c=2, hw=3]
        BiasKernel.addChannels(2, 2, 3, new float[] {1f, -1f}, 0, z, 0);
        assertEquals(1f, z[0]);
        assertEquals(-1f, z[3]);
        assertEquals(1f, z[6]);
        float[] cs = {1f, 1f};
        BiasKernel.sumChannels(2, 2, 3, z, 0, cs, 0, true);
        assertEquals(7f, cs[0]);
        assertEquals(-5f, cs[1]);
    }

    @Test
    void unrolledSumAddsEveryElementForAnyLengthAndOffset() {
        for (int len = 0; len < 40; len++) {
            float[] a = new float[len + 3];
            double expected = 0;
            for (int i = 0; i < a.length; i++) {
                a[i] = i * 0.5f + 1f;
                if (i >= 3) {
                    expected += a[i];
                }
            }
            assertEquals(expected, BiasKernel.sum(a, 3, len), 1e-4, "len " + len);
        }
    }

    @Test
    void shortArraysAreReportedWithTheirSizes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BiasKernel.addRows(2, 3, new float[2], 0, new float[6], 0));
        assertTrue(e.getMessage().contains("bias needs 3 floats from offset 0 but its array has 2"), e.getMessage());
    }
}
