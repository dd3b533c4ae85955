package io.sparkgrad.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RestoreThreadCount.class)
class PoolingKernelTest {

    private static final List<Pool2dGeometry> MAX_GEOMETRIES = List.of(
            Pool2dGeometry.of(2, 3, 6, 8, 2, 2, 0, 1),
            Pool2dGeometry.of(1, 2, 7, 7, 3, 2, 1, 1),
            new Pool2dGeometry(3, 2, 9, 11, 3, 2, 2, 3, 1, 1, 2, 1),
            new Pool2dGeometry(2, 4, 5, 6, 2, 3, 1, 1, 1, 1, 1, 2),
            Pool2dGeometry.of(2, 3, 12, 12, 4, 4, 2, 1));

    private static final List<Pool2dGeometry> AVG_GEOMETRIES = List.of(
            Pool2dGeometry.of(1, 3, 6, 6, 2, 2, 0, 1),
            Pool2dGeometry.of(2, 10, 4, 4, 4, 4, 0, 1),
            new Pool2dGeometry(2, 3, 7, 9, 3, 2, 2, 1, 1, 1, 1, 1),
            new Pool2dGeometry(3, 2, 8, 5, 4, 3, 3, 2, 2, 0, 1, 1));

    @Test
    void maxPoolForwardPicksTheWindowMaximumAndRecordsItsPlaneIndex() {
        SplittableRandom rnd = new SplittableRandom(1);
        Reference.atOneAndTwoThreads(MAX_GEOMETRIES, (g, what) -> {
            float[] x = Reference.random(rnd, g.inputSize());
            float[] y = new float[g.outputSize()];
            int[] idx = new int[g.outputSize()];
            MaxPool2dKernel.forward(g, x, 0, y, 0, idx, 0);
            int o = 0;
            for (int pl = 0; pl < g.n() * g.c(); pl++) {
                for (int oh = 0; oh < g.outH(); oh++) {
                    for (int ow = 0; ow < g.outW(); ow++, o++) {
                        float best = Float.NEGATIVE_INFINITY;
                        int arg = -1;
                        for (int ki = 0; ki < g.kh(); ki++) {
                            for (int kj = 0; kj < g.kw(); kj++) {
                                int ih = oh * g.strideH() - g.padH() + ki * g.dilationH();
                                int iw = ow * g.strideW() - g.padW() + kj * g.dilationW();
                                if (ih >= 0 && ih < g.h() && iw >= 0 && iw < g.w()
                                        && x[pl * g.h() * g.w() + ih * g.w() + iw] > best) {
                                    best = x[pl * g.h() * g.w() + ih * g.w() + iw];
                                    arg = ih * g.w() + iw;
                                }
                            }
                        }
                        assertEquals(best, y[o], what + " output " + o);
                        assertEquals(arg, idx[o], what + " index " + o);
                    }
                }
            }
        });
    }

    @Test
    void maxPoolPropagatesNaNLikePyTorch() {
        Pool2dGeometry g = Pool2dGeometry.of(1, 1, 2, 2, 2, 2, 0, 1);
        float[] y = new float[1];
        int[] idx = new int[1];
        MaxPool2dKernel.forward(g, new float[] {1f, Float.NaN, 5f, 2f}, 0, y, 0, idx, 0);
        assertTrue(Float.isNaN(y[0]));
        assertEquals(1, idx[0]);
    }

    @Test
    void maxPoolBackwardMatchesFiniteDifferencesAndAccumulates() {
        SplittableRandom rnd = new SplittableRandom(2);
        for (Pool2dGeometry g : MAX_GEOMETRIES) {
            float[] x = distinct(rnd, g.inputSize());
            float[] up = Reference.random(rnd, g.outputSize());
            int[] idx = new int[g.outputSize()];
            MaxPool2dKernel.forward(g, x, 0, new float[g.outputSize()], 0, idx, 0);
            float[] gx = Conv2dKernelTest.filled(g.inputSize(), Float.NaN);
            MaxPool2dKernel.backward(g, up, 0, idx, 0, gx, 0, false);
            // Inputs are at least 0.01 apart, so a step of 1e-3 changes no argmax.
            Finite.check("max_pool2d " + g, x, gx, () -> {
                float[] y = new float[g.outputSize()];
                MaxPool2dKernel.forward(g, x, 0, y, 0, new int[g.outputSize()], 0);
                return Reference.dot(y, up);
            }, 1e-3f, 1e-2, 1e-3);
            float[] acc = Conv2dKernelTest.filled(g.inputSize(), 2f);
            MaxPool2dKernel.backward(g, up, 0, idx, 0, acc, 0, true);
            for (int i = 0; i < acc.length; i++) {
                assertEquals(gx[i] + 2f, acc[i], 1e-6, g + " accumulated element " + i);
            }
        }
    }

    /** A shuffled ramp: values 0.01 apart, so no two are close. */
    private static float[] distinct(SplittableRandom rnd, int size) {
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            a[i] = (i - size / 2) * 0.01f;
        }
        for (int i = size - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            float t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    @Test
    void avgPoolDividesByTheFullWindowIncludingPadding() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (Pool2dGeometry g : AVG_GEOMETRIES) {
            float[] x = Reference.random(rnd, g.inputSize());
            float[] y = new float[g.outputSize()];
            AvgPool2dKernel.forward(g, x, 0, y, 0);
            int o = 0;
            for (int pl = 0; pl < g.n() * g.c(); pl++) {
                for (int oh = 0; oh < g.outH(); oh++) {
                    for (int ow = 0; ow < g.outW(); ow++, o++) {
                        double s = 0;
                        for (int ki = 0; ki < g.kh(); ki++) {
                            for (int kj = 0; kj < g.kw(); kj++) {
                                int ih = oh * g.strideH() - g.padH() + ki;
                                int iw = ow * g.strideW() - g.padW() + kj;
                                if (ih >= 0 && ih < g.h() && iw >= 0 && iw < g.w()) {
                                    s += x[pl * g.h() * g.w() + ih * g.w() + iw];
                                }
                            }
                        }
                        assertEquals(s / (g.kh() * g.kw()), y[o], 1e-6, g + " output " + o);
                    }
                }
            }
            float[] up = Reference.random(rnd, g.outputSize());
            float[] gx = Conv2dKernelTest.filled(g.inputSize(), Float.NaN);
            AvgPool2dKernel.backward(g, up, 0, gx, 0, false);
            Finite.check("avg_pool2d " + g, x, gx, () -> {
                float[] out = new float[g.outputSize()];
                AvgPool2dKernel.forward(g, x, 0, out, 0);
                return Reference.dot(out, up);
            });
        }
    }

    @Test
    void avgPoolRefusesDilation() {
        Pool2dGeometry g = Pool2dGeometry.of(1, 1, 6, 6, 2, 2, 0, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AvgPool2dKernel.forward(g, new float[36], 0, new float[g.outputSize()], 0));
        assertTrue(e.getMessage().contains("dilation must be 1"), e.getMessage());
    }

    @Test
    void adaptiveAvgPoolUsesFloorAndCeilWindowsThatMayOverlap() {
        assertEquals(0, AdaptiveAvgPool2dKernel.start(0, 5, 3));
        assertEquals(2, AdaptiveAvgPool2dKernel.end(0, 5, 3));
        assertEquals(1, AdaptiveAvgPool2dKernel.start(1, 5, 3));
        assertEquals(4, AdaptiveAvgPool2dKernel.end(1, 5, 3));
        assertEquals(3, AdaptiveAvgPool2dKernel.start(2, 5, 3));
        assertEquals(5, AdaptiveAvgPool2dKernel.end(2, 5, 3));
        SplittableRandom rnd = new SplittableRandom(4);
        int[][] cases = {{2, 3, 7, 7, 1, 1}, {1, 2, 5, 5, 3, 3}, {2, 2, 10, 6, 4, 4}, {1, 3, 4, 9, 4, 2}};
        for (int[] s : cases) {
            int n = s[0];
            int c = s[1];
            int h = s[2];
            int w = s[3];
            int oh = s[4];
            int ow = s[5];
            float[] x = Reference.random(rnd, n * c * h * w);
            float[] y = new float[n * c * oh * ow];
            AdaptiveAvgPool2dKernel.forward(n, c, h, w, oh, ow, x, 0, y, 0);
            int o = 0;
            for (int pl = 0; pl < n * c; pl++) {
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++, o++) {
                        int h0 = (int) Math.floor((double) i * h / oh);
                        int h1 = (int) Math.ceil((double) (i + 1) * h / oh);
                        int w0 = (int) Math.floor((double) j * w / ow);
                        int w1 = (int) Math.ceil((double) (j + 1) * w / ow);
                        double sum = 0;
                        for (int a = h0; a < h1; a++) {
                            for (int b = w0; b < w1; b++) {
                                sum += x[pl * h * w + a * w + b];
                            }
                        }
                        assertEquals(sum / ((h1 - h0) * (w1 - w0)), y[o], 1e-6, "case " + java.util.Arrays.toString(s));
                    }
                }
            }
            float[] up = Reference.random(rnd, y.length);
            float[] gx = Conv2dKernelTest.filled(x.length, Float.NaN);
            AdaptiveAvgPool2dKernel.backward(n, c, h, w, oh, ow, up, 0, gx, 0, false);
            Finite.check("adaptive_avg_pool2d " + java.util.Arrays.toString(s), x, gx, () -> {
                float[] out = new float[n * c * oh * ow];
                AdaptiveAvgPool2dKernel.forward(n, c, h, w, oh, ow, x, 0, out, 0);
                return Reference.dot(out, up);
            });
        }
    }

    @Test
    void paddingOverHalfTheWindowIsRefusedAsInPyTorch() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Pool2dGeometry.of(1, 1, 8, 8, 2, 2, 2, 1));
        assertTrue(e.getMessage().contains("pad should be at most half of kernel size, but got pad=2 and kernel_size=2"), e.getMessage());
    }
}
