package io.sparkgrad.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RestoreThreadCount.class)
class BatchNorm2dKernelTest {

    private static final int N = 3;
    private static final int C = 4;
    private static final int HW = 5;
    private static final float EPS = 1e-5f;
    private static final float MOMENTUM = 0.1f;

    /** Random input, affine parameters, running statistics and output gradient. */
    private record Inputs(float[] x, float[] w, float[] b, float[] rm, float[] rv, float[] up) {
        static Inputs random(long seed) {
            SplittableRandom rnd = new SplittableRandom(seed);
            float[] x = Reference.random(rnd, N * C * HW);
            return new Inputs(x, Reference.random(rnd, C), Reference.random(rnd, C), Reference.random(rnd, C),
                    new float[] {0.5f, 1f, 1.5f, 2f}, Reference.random(rnd, x.length));
        }
    }

    /** The forward in training mode: batch statistics, then the normalisation. */
    private static float[] forwardTraining(float[] x, float[] w, float[] b, double[] mean, double[] invStd) {
        double[] var = new double[C];
        BatchNorm2dKernel.stats(N, C, HW, x, 0, mean, var);
        BatchNorm2dKernel.invStd(C, var, EPS, invStd);
        float[] y = new float[x.length];
        BatchNorm2dKernel.normalize(N, C, HW, x, 0, mean, invStd, w, 0, b, 0, y, 0);
        return y;
    }

    /** The forward in evaluation mode: the running statistics. */
    private static float[] forwardEval(float[] x, float[] w, float[] b, float[] rm, float[] rv, double[] mean, double[] invStd) {
        double[] var = new double[C];
        for (int c = 0; c < C; c++) {
            mean[c] = rm[c];
            var[c] = rv[c];
        }
        BatchNorm2dKernel.invStd(C, var, EPS, invStd);
        float[] y = new float[x.length];
        BatchNorm2dKernel.normalize(N, C, HW, x, 0, mean, invStd, w, 0, b, 0, y, 0);
        return y;
    }

    @Test
    void trainingNormalisesWithBatchStatisticsAndUpdatesRunningOnesUnbiased() {
        Inputs in = Inputs.random(1);
        float[] x = in.x();
        float[] w = in.w();
        float[] b = in.b();
        float[] rm = in.rm();
        float[] rv = in.rv();
        float[] rm0 = rm.clone();
        float[] rv0 = rv.clone();
        double[] mean = new double[C];
        double[] var = new double[C];
        BatchNorm2dKernel.stats(N, C, HW, x, 0, mean, var);
        double[] invStd = new double[C];
        BatchNorm2dKernel.invStd(C, var, EPS, invStd);
        float[] y = new float[x.length];
        BatchNorm2dKernel.normalize(N, C, HW, x, 0, mean, invStd, w, 0, b, 0, y, 0);
        BatchNorm2dKernel.updateRunning(C, rm, 0, rv, 0, mean, var, MOMENTUM, (long) N * HW);
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
            double v = sq / m;
            assertEquals(mu, mean[c], 1e-12);
            assertEquals(v, var[c], 1e-12);
            assertEquals(1 / Math.sqrt(v + EPS), invStd[c], 1e-12);
            assertEquals(0.9 * rm0[c] + 0.1 * mu, rm[c], 1e-6);
            assertEquals(0.9 * rv0[c] + 0.1 * sq / (m - 1), rv[c], 1e-6);
            for (int n = 0; n < N; n++) {
                for (int q = 0; q < HW; q++) {
                    int i = (n * C + c) * HW + q;
                    assertEquals((x[i] - mu) / Math.sqrt(v + EPS) * w[c] + b[c], y[i], 1e-5, "element " + i);
                }
            }
        }
    }

    @Test
    void evalUsesRunningStatisticsWithoutAffine() {
        Inputs in = Inputs.random(2);
        float[] y = forwardEval(in.x(), null, null, in.rm(), in.rv(), new double[C], new double[C]);
        for (int i = 0; i < y.length; i++) {
            int c = (i / HW) % C;
            assertEquals((in.x()[i] - in.rm()[c]) / Math.sqrt(in.rv()[c] + EPS), y[i], 1e-5, "element " + i);
        }
    }

    @Test
    void aMeanFarLargerThanTheSpreadDoesNotCancelTheDeviations() {
        // Values 1e4 + {-1, 1}: a float shift (-mean * scale) would lose most digits of the normalised values.
        float[] x = new float[N * C * HW];
        for (int i = 0; i < x.length; i++) {
            x[i] = 1e4f + (i % 2 == 0 ? -1f : 1f);
        }
        double[] mean = new double[C];
        double[] invStd = new double[C];
        float[] y = forwardTraining(x, null, null, mean, invStd);
        for (int i = 0; i < x.length; i++) {
            double expected = (x[i] - mean[(i / HW) % C]) * invStd[(i / HW) % C];
            assertEquals(expected, y[i], 1e-6, "element " + i);
        }
    }

    /** {gx, gw, gb} of {@code sum(y * up)} from the saved statistics, by the kernel's backward. */
    private static float[][] backward(Inputs in, boolean training, double[] mean, double[] invStd) {
        double[] sumG = new double[C];
        double[] sumGXhat = new double[C];
        BatchNorm2dKernel.gradSums(N, C, HW, in.up(), 0, in.x(), 0, mean, invStd, sumG, sumGXhat);
        float[] gx = new float[in.x().length];
        BatchNorm2dKernel.backwardInput(N, C, HW, training, in.up(), 0, in.x(), 0, mean, invStd, in.w(), 0, sumG, sumGXhat, gx, 0);
        return new float[][] {gx, Reference.toFloat(sumGXhat), Reference.toFloat(sumG)};
    }

    @Test
    void trainingBackwardThroughTheBatchStatisticsMatchesFiniteDifferences() {
        Inputs in = Inputs.random(3);
        double[] mean = new double[C];
        double[] invStd = new double[C];
        forwardTraining(in.x(), in.w(), in.b(), mean, invStd);
        float[][] g = backward(in, true, mean, invStd);
        DoubleSupplier loss = () -> Reference.dot(forwardTraining(in.x(), in.w(), in.b(), new double[C], new double[C]), in.up());
        Finite.check("batch_norm d/dx", in.x(), g[0], loss, 1e-3f, 3e-2, 3e-3);
        Finite.check("batch_norm d/dweight", in.w(), g[1], loss, 1e-3f, 3e-2, 3e-3);
        Finite.check("batch_norm d/dbias", in.b(), g[2], loss, 1e-3f, 3e-2, 3e-3);
    }

    @Test
    void evalBackwardMatchesFiniteDifferences() {
        Inputs in = Inputs.random(4);
        double[] mean = new double[C];
        double[] invStd = new double[C];
        forwardEval(in.x(), in.w(), in.b(), in.rm(), in.rv(), mean, invStd);
        float[][] g = backward(in, false, mean, invStd);
        DoubleSupplier loss = () -> Reference.dot(forwardEval(in.x(), in.w(), in.b(), in.rm(), in.rv(), new double[C], new double[C]),
                in.up());
        Finite.check("batch_norm eval d/dx", in.x(), g[0], loss);
        Finite.check("batch_norm eval d/dweight", in.w(), g[1], loss);
        Finite.check("batch_norm eval d/dbias", in.b(), g[2], loss);
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        int n = 4;
        int c = 16;
        int s = 4096;
        float[] x = Reference.random(new SplittableRandom(5), n * c * s);
        float[][] out = new float[2][];
        int[] threads = {1, 4};
        for (int t = 0; t < threads.length; t++) {
            Parallelism.setNumThreads(threads[t]);
            double[] mean = new double[c];
            double[] var = new double[c];
            BatchNorm2dKernel.stats(n, c, s, x, 0, mean, var);
            double[] invStd = new double[c];
            BatchNorm2dKernel.invStd(c, var, EPS, invStd);
            out[t] = new float[x.length];
            BatchNorm2dKernel.normalize(n, c, s, x, 0, mean, invStd, null, 0, null, 0, out[t], 0);
        }
        assertArrayEquals(out[0], out[1]);
    }

    @Test
    void badSizesAreRefusedNamingTheOperand() {
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> BatchNorm2dKernel.stats(2, 0, 3, new float[6], 0, new double[1], new double[1]));
        assertTrue(shape.getMessage().contains("[2, 0, 3]"), shape.getMessage());
        IllegalArgumentException input = assertThrows(IllegalArgumentException.class,
                () -> BatchNorm2dKernel.stats(2, 2, 3, new float[11], 0, new double[2], new double[2]));
        assertTrue(input.getMessage().contains("input needs 12 floats"), input.getMessage());
        IllegalArgumentException mean = assertThrows(IllegalArgumentException.class,
                () -> BatchNorm2dKernel.stats(2, 2, 3, new float[12], 0, new double[1], new double[2]));
        assertTrue(mean.getMessage().contains("mean must hold 2 values"), mean.getMessage());
    }
}
