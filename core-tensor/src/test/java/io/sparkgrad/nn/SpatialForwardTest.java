package io.sparkgrad.nn;

import static io.sparkgrad.testing.GradCheck.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Forward values of the spatial ops against hand-computed results and an independent naive convolution. */
class SpatialForwardTest {
    private final Generator g = new Generator(3);

    @Test
    void conv2dMatchesANaiveReferenceAcrossStridePaddingDilationAndGroups() {
        int[][] configs = {
            // n, c, h, w, o, kH, kW, sH, sW, pH, pW, dH, dW, groups
            {2, 3, 7, 6, 4, 3, 3, 1, 1, 0, 0, 1, 1, 1},
            {1, 2, 8, 9, 3, 3, 2, 2, 3, 1, 2, 1, 1, 1},
            {2, 4, 7, 7, 6, 3, 3, 1, 2, 2, 1, 2, 3, 2},
            {1, 6, 5, 5, 6, 3, 3, 2, 2, 1, 1, 1, 1, 6},
            {1, 1, 28, 28, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1},
        };
        for (int[] k : configs) {
            Tensor x = uniform(g, -1, 1, k[0], k[1], k[2], k[3]);
            Tensor w = uniform(g, -1, 1, k[4], k[1] / k[13], k[5], k[6]);
            Tensor b = uniform(g, -1, 1, k[4]);
            Tensor actual = F.conv2d(x, w, b, new int[] {k[7], k[8]}, new int[] {k[9], k[10]}, new int[] {k[11], k[12]}, k[13]);
            Tensor expected = naiveConv(x, w, b, k[7], k[8], k[9], k[10], k[11], k[12], k[13]);
            assertArrayEquals(expected.shape(), actual.shape());
            assertArrayEquals(expected.toFloatArray(), actual.toFloatArray(), 1e-5f, Arrays.toString(k));
        }
    }

    @Test
    void conv2dReadsNonContiguousInputs() {
        Tensor x = uniform(g, -1, 1, 1, 5, 4, 2);
        Tensor xt = x.permute(0, 3, 1, 2); // [1, 2, 5, 4], not contiguous
        Tensor w = uniform(g, -1, 1, 3, 2, 2, 2);
        assertArrayEquals(F.conv2d(xt.contiguous(), w, null).toFloatArray(), F.conv2d(xt, w, null).toFloatArray(), 0f);
    }

    @Test
    void maxPool2dPicksTheWindowMaximum() {
        Tensor x = Tensor.arange(16).view(1, 1, 4, 4);
        assertArrayEquals(new float[] {5, 7, 13, 15}, F.maxPool2d(x, 2).toFloatArray());
        // Padding is -inf, so it never wins, even against negative values: window (0,1) covers rows 0-1, cols 1-3.
        Tensor neg = Tensor.arange(16).mul(-1f).view(1, 1, 4, 4);
        assertArrayEquals(new float[] {0, -1, -4, -5}, F.maxPool2d(neg, 3, 2, 1, 1).toFloatArray());
    }

    @Test
    void avgPool2dCountsPaddingInTheDivisor() {
        Tensor x = Tensor.ones(1, 1, 2, 2);
        // Each 3x3 window with padding 1 covers all four real ones: 4/9.
        Tensor out = F.avgPool2d(x, 3, 1, 1);
        assertArrayEquals(new int[] {1, 1, 2, 2}, out.shape());
        for (float v : out.toFloatArray()) {
            assertEquals(4f / 9f, v, 1e-7f);
        }
        Tensor y = Tensor.arange(20).view(1, 1, 4, 5);
        // Trailing column 4 does not fill a window and is dropped.
        assertArrayEquals(new float[] {3, 5, 13, 15}, F.avgPool2d(y, 2).toFloatArray());
    }

    @Test
    void adaptiveAvgPool2dUsesFloorAndCeilWindowBounds() {
        Tensor x = Tensor.arange(5).view(1, 1, 1, 5);
        // 5 -> 3: windows [0,2), [1,4), [3,5).
        assertArrayEquals(new float[] {0.5f, 2f, 3.5f}, F.adaptiveAvgPool2d(x, 1, 3).toFloatArray(), 1e-6f);
        Tensor img = uniform(g, -1, 1, 2, 3, 4, 4);
        assertArrayEquals(img.mean(3, false).mean(2, false).toFloatArray(), F.adaptiveAvgPool2d(img, 1).flatten(1, -1).toFloatArray(),
                1e-6f);
    }

    @Test
    void batchNormTrainingNormalisesAndUpdatesRunningStatistics() {
        Tensor x = uniform(g, -3, 5, 4, 2, 3, 3);
        Tensor rm = Tensor.vector(0.5f, -1f);
        Tensor rv = Tensor.vector(2f, 1f);
        Tensor out = F.batchNorm(x, rm, rv, null, null, true, 0.25f, 1e-5f);
        float[] xs = x.toFloatArray();
        float[] os = out.toFloatArray();
        for (int c = 0; c < 2; c++) {
            double sum = 0;
            double sq = 0;
            double outSum = 0;
            double outSq = 0;
            int n = 0;
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 9; j++) {
                    int p = (i * 2 + c) * 9 + j;
                    sum += xs[p];
                    sq += xs[p] * (double) xs[p];
                    outSum += os[p];
                    outSq += os[p] * (double) os[p];
                    n++;
                }
            }
            double mean = sum / n;
            double biased = sq / n - mean * mean;
            assertEquals(0, outSum / n, 1e-5);
            assertEquals(1, outSq / n, 1e-3); // biased variance in the normalisation
            float[] rmBefore = {0.5f, -1f};
            float[] rvBefore = {2f, 1f};
            assertEquals(0.75 * rmBefore[c] + 0.25 * mean, rm.getFloat(c), 1e-5);
            assertEquals(0.75 * rvBefore[c] + 0.25 * biased * n / (n - 1), rv.getFloat(c), 1e-4); // unbiased in the estimate
        }
    }

    @Test
    void batchNormStaysAccurateWhenTheMeanDwarfsTheSpread() {
        // Values 1000 + deviations of about 0.02: folding the mean into a float shift would leave errors near 4e-3.
        float[] v = new float[8];
        double mean = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = 1000f + 0.01f * (i - 3.5f);
            mean += v[i] / 8.0;
        }
        double var = 0;
        for (float x : v) {
            var += (x - mean) * (x - mean) / 8.0;
        }
        Tensor out = F.batchNorm(Tensor.of(v, 8, 1), null, null, null, null, true, 0.1f, 1e-12f);
        for (int i = 0; i < v.length; i++) {
            double expected = (v[i] - mean) / Math.sqrt(var + 1e-12);
            assertEquals(expected, out.getFloat(i, 0), 1e-5 + 1e-5 * Math.abs(expected), "element " + i);
        }
    }

    @Test
    void batchNormEvaluationLeavesRunningStatisticsAlone() {
        Tensor x = uniform(g, -1, 1, 2, 2, 2, 2);
        Tensor rm = Tensor.vector(0.5f, -1f);
        Tensor rv = Tensor.vector(4f, 1f);
        Tensor out = F.batchNorm(x, rm, rv, Tensor.vector(2f, 1f), Tensor.vector(0f, 3f), false, 0.1f, 0f + 1e-5f);
        assertArrayEquals(new float[] {0.5f, -1f}, rm.toFloatArray());
        assertArrayEquals(new float[] {4f, 1f}, rv.toFloatArray());
        float x0 = x.getFloat(0, 0, 0, 0);
        assertEquals((x0 - 0.5f) / Math.sqrt(4f + 1e-5f) * 2f, out.getFloat(0, 0, 0, 0), 1e-6);
        float x1 = x.getFloat(1, 1, 1, 1);
        assertEquals((x1 + 1f) / Math.sqrt(1f + 1e-5f) + 3f, out.getFloat(1, 1, 1, 1), 1e-6);
    }

    @Test
    void dropoutKeepsOrZeroesAndScalesInTrainingAndIsIdentityInEvaluation() {
        Tensor x = Tensor.ones(100, 100);
        float[] out = F.dropout(x, 0.3f, true, new Generator(1)).toFloatArray();
        int zeros = 0;
        for (float v : out) {
            if (v == 0f) {
                zeros++;
            } else {
                assertEquals(1f / 0.7f, v, 1e-6f);
            }
        }
        assertEquals(0.3, zeros / 10000.0, 0.02);
        assertArrayEquals(x.toFloatArray(), F.dropout(x, 0.3f, false).toFloatArray());
    }

    // ------------------------------------------------------------------------------------------------ errors

    @Test
    void conv2dChannelMismatchNamesBothShapes() {
        var e = assertThrows(IllegalArgumentException.class, () -> F.conv2d(Tensor.zeros(64, 3, 28, 28), Tensor.zeros(16, 1, 3, 3), null));
        assertEquals("Given groups=1, weight of size [16, 1, 3, 3], expected input[64, 3, 28, 28] to have 1 channels, but got 3 channels "
                + "instead", e.getMessage());
    }

    @Test
    void conv2dKernelLargerThanPaddedInputIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> F.conv2d(Tensor.zeros(1, 1, 2, 2), Tensor.zeros(1, 1, 3, 3), null));
        assertTrue(e.getMessage().contains("padded input size per channel: (2 x 2). Kernel size: (3 x 3)"), e.getMessage());
        assertTrue(e.getMessage().contains("[1, 1, 2, 2]") && e.getMessage().contains("[1, 1, 3, 3]"), e.getMessage());
    }

    @Test
    void conv2dBadBiasAndRankAreRefusedWithShapes() {
        var bias = assertThrows(IllegalArgumentException.class,
                () -> F.conv2d(Tensor.zeros(1, 1, 5, 5), Tensor.zeros(4, 1, 3, 3), Tensor.zeros(3)));
        assertTrue(bias.getMessage().contains("[4, 1, 3, 3]") && bias.getMessage().contains("[3]"), bias.getMessage());
        var rank = assertThrows(IllegalArgumentException.class, () -> F.conv2d(Tensor.zeros(5, 5), Tensor.zeros(4, 1, 3, 3), null));
        assertTrue(rank.getMessage().contains("[5, 5]"), rank.getMessage());
        var groups = assertThrows(IllegalArgumentException.class,
                () -> F.conv2d(Tensor.zeros(1, 4, 5, 5), Tensor.zeros(3, 2, 3, 3), null, 1, 0, 1, 2));
        assertTrue(groups.getMessage().contains("out_channels (3) must be divisible by groups (2)") && groups.getMessage().contains("[3, 2, 3, 3]"),
                groups.getMessage());
    }

    @Test
    void poolingOutputTooSmallNamesTheSizes() {
        var e = assertThrows(IllegalArgumentException.class, () -> F.maxPool2d(Tensor.zeros(1, 3, 2, 2), 3));
        assertTrue(e.getMessage().contains("given input size: (3x2x2). Calculated output size: (3x0x0). Output size is too small"),
                e.getMessage());
        var pad = assertThrows(IllegalArgumentException.class, () -> F.avgPool2d(Tensor.zeros(1, 1, 8, 8), 2, 2, 2));
        assertTrue(pad.getMessage().contains("pad should be at most half of kernel size, but got pad=2 and kernel_size=2"),
                pad.getMessage());
    }

    @Test
    void batchNormRefusesOneValuePerChannelAndWrongStatShapes() {
        var one = assertThrows(IllegalArgumentException.class,
                () -> F.batchNorm(Tensor.zeros(1, 3, 1, 1), null, null, null, null, true, 0.1f, 1e-5f));
        assertTrue(one.getMessage().contains("Expected more than 1 value per channel when training, got input size [1, 3, 1, 1]"));
        var stat = assertThrows(IllegalArgumentException.class,
                () -> F.batchNorm(Tensor.zeros(2, 3, 2, 2), Tensor.zeros(4), Tensor.ones(3), null, null, false, 0.1f, 1e-5f));
        assertTrue(stat.getMessage().contains("running_mean should have shape [3]") && stat.getMessage().contains("[4]"), stat.getMessage());
    }

    /** Direct definition of the cross-correlation, with bounds checks per element. */
    private static Tensor naiveConv(Tensor x, Tensor w, Tensor b, int sH, int sW, int pH, int pW, int dH, int dW, int groups) {
        int n = x.size(0);
        int c = x.size(1);
        int h = x.size(2);
        int wd = x.size(3);
        int o = w.size(0);
        int kH = w.size(2);
        int kW = w.size(3);
        int oH = (h + 2 * pH - dH * (kH - 1) - 1) / sH + 1;
        int oW = (wd + 2 * pW - dW * (kW - 1) - 1) / sW + 1;
        int cg = c / groups;
        int og = o / groups;
        float[] out = new float[n * o * oH * oW];
        for (int i = 0; i < n; i++) {
            for (int oc = 0; oc < o; oc++) {
                for (int y = 0; y < oH; y++) {
                    for (int z = 0; z < oW; z++) {
                        double s = b.getFloat(oc);
                        for (int icg = 0; icg < cg; icg++) {
                            int ic = (oc / og) * cg + icg;
                            for (int p = 0; p < kH; p++) {
                                for (int q = 0; q < kW; q++) {
                                    int ih = y * sH - pH + p * dH;
                                    int iw = z * sW - pW + q * dW;
                                    if (ih >= 0 && ih < h && iw >= 0 && iw < wd) {
                                        s += x.getFloat(i, ic, ih, iw) * (double) w.getFloat(oc, icg, p, q);
                                    }
                                }
                            }
                        }
                        out[((i * o + oc) * oH + y) * oW + z] = (float) s;
                    }
                }
            }
        }
        return Tensor.of(out, n, o, oH, oW);
    }
}
