package io.sparkgrad.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BatchNorm2dKernelTest {

    private static final int N = 3;
    private static final int C = 4;
    private static final int HW = 5;
    private static final float EPS = 1e-5f;
    private static final float MOMENTUM = 0.1f;

    @Test
    void trainingNormalisesWithBatchStatisticsAndUpdatesRunningOnesUnbiased() {
        SplittableRandom rnd = new SplittableRandom(1);
        float[] x = Reference.random(rnd, N * C * HW);
        float[] w = Reference.random(rnd, C);
        float[] b = Reference.random(rnd, C);
        float[] rm = Reference.random(rnd, C);
        float[] rv = {0.5f, 1f, 1.5f, 2f};
        float[] rm0 = rm.clone();
        float[] rv0 = rv.clone();
        float[] y = new float[x.length];
        float[] mean = new float[C];
        float[] invStd = new float[C];
        BatchNorm2dKernel.forwardTraining(N, C, HW, x, 0, w, 0, b, 0, rm, 0, rv, 0, MOMENTUM, EPS, y, 0, mean, 0,
                invStd, 0);
        int m = N * HW;
        for (int c = 0; c < C; c++) {
            double s = 0;
            for (int n = 0; n < N; n++) {
                for (int q = 0; q < HW; q++) {
                    s += x[(n * C + c) * HW + q];
                }
            }
            double mu = s / m;
            double sq = 0;
            for (int n = 0; n < N; n++) {
                for (int q = 0; q < HW; q++) {
                    double d = x[(n * C + c) * HW + q] - mu;
                    sq += d * d;
                }
            }
            double var = sq / m;
            assertEquals(mu, mean[c], 1e-6);
            assertEquals(1 / Math.sqrt(var + EPS), invStd[c], 1e-5);
            assertEquals(0.9 * rm0[c] + 0.1 * mu, rm[c], 1e-6);
            assertEquals(0.9 * rv0[c] + 0.1 * sq / (m - 1), rv[c], 1e-6);
            for (int n = 0; n < N; n++) {
                for (int q = 0; q < HW; q++) {
                    int i = (n * C + c) * HW + q;
                    assertEquals((x[i] - mu) / Math.sqrt(var + EPS) * w[c] + b[c], y[i], 1e-5, "element " + i);
                }
            }
        }
    }

    @Test
    void evalUsesRunningStatisticsAndLeavesThemAlone() {
        SplittableRandom rnd = new SplittableRandom(2);
        float[] x = Reference.random(rnd, N * C * HW);
        float[] rm = Reference.random(rnd, C);
        float[] rv = {0.5f, 1f, 1.5f, 2f};
        float[] y = new float[x.length];
        BatchNorm2dKernel.forwardEval(N, C, HW, x, 0, null, 0, null, 0, rm, 0, rv, 0, EPS, y, 0);
        for (int i = 0; i < x.length; i++) {
            int c = (i / HW) % C;
            assertEquals((x[i] - rm[c]) / Math.sqrt(rv[c] + EPS), y[i], 1e-5, "element " + i);
        }
        assertEquals(2f, rv[3]);
    }

    @Test
    void trainingBackwardThroughTheBatchStatisticsMatchesFiniteDifferences() {
        SplittableRandom rnd = new SplittableRandom(3);
        float[] x = Reference.random(rnd, N * C * HW);
        float[] w = Reference.random(rnd, C);
        float[] b = Reference.random(rnd, C);
        float[] up = Reference.random(rnd, x.length);
        float[] mean = new float[C];
        float[] invStd = new float[C];
        BatchNorm2dKernel.forwardTraining(N, C, HW, x, 0, w, 0, b, 0, null, 0, null, 0, MOMENTUM, EPS,
                new float[x.length], 0, mean, 0, invStd, 0);
        float[] gx = new float[x.length];
        float[] gw = new float[C];
        float[] gb = new float[C];
        BatchNorm2dKernel.backwardTraining(N, C, HW, x, 0, up, 0, w, 0, mean, 0, invStd, 0, gx, 0, gw, 0, gb, 0, false);
        java.util.function.DoubleSupplier loss = () -> {
            float[] y = new float[x.length];
            BatchNorm2dKernel.forwardTraining(N, C, HW, x, 0, w, 0, b, 0, null, 0, null, 0, MOMENTUM, EPS, y, 0,
                    new float[C], 0, new float[C], 0);
            return Reference.dot(y, up);
        };
        Finite.check("batch_norm d/dx", x, gx, loss, 1e-3f, 3e-2, 3e-3);
        Finite.check("batch_norm d/dweight", w, gw, loss, 1e-3f, 3e-2, 3e-3);
        Finite.check("batch_norm d/dbias", b, gb, loss, 1e-3f, 3e-2, 3e-3);

        float[] acc = Conv2dKernelTest.filled(x.length, 1f);
        BatchNorm2dKernel.backwardTraining(N, C, HW, x, 0, up, 0, w, 0, mean, 0, invStd, 0, acc, 0, null, 0, null, 0,
                true);
        for (int i = 0; i < x.length; i++) {
            assertEquals(gx[i] + 1f, acc[i], 1e-5, "accumulated element " + i);
        }
    }

    @Test
    void evalBackwardMatchesFiniteDifferences() {
        SplittableRandom rnd = new SplittableRandom(4);
        float[] x = Reference.random(rnd, N * C * HW);
        float[] w = Reference.random(rnd, C);
        float[] b = Reference.random(rnd, C);
        float[] rm = Reference.random(rnd, C);
        float[] rv = {0.5f, 1f, 1.5f, 2f};
        float[] up = Reference.random(rnd, x.length);
        float[] gx = new float[x.length];
        float[] gw = new float[C];
        float[] gb = new float[C];
        BatchNorm2dKernel.backwardEval(N, C, HW, x, 0, up, 0, w, 0, rm, 0, rv, 0, EPS, gx, 0, gw, 0, gb, 0, false);
        java.util.function.DoubleSupplier loss = () -> {
            float[] y = new float[x.length];
            BatchNorm2dKernel.forwardEval(N, C, HW, x, 0, w, 0, b, 0, rm, 0, rv, 0, EPS, y, 0);
            return Reference.dot(y, up);
        };
        Finite.check("batch_norm eval d/dx", x, gx, loss);
        Finite.check("batch_norm eval d/dweight", w, gw, loss);
        Finite.check("batch_norm eval d/dbias", b, gb, loss);
    }

    @Test
    void aSingleValuePerChannelIsRefusedInTraining() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BatchNorm2dKernel.forwardTraining(1, 2, 1, new float[2], 0, null, 0, null, 0, null, 0, null, 0,
                        0.1f, 1e-5f, new float[2], 0, new float[2], 0, new float[2], 0));
        assertTrue(e.getMessage().contains("more than 1 value per channel"), e.getMessage());
    }
}
