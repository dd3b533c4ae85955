package io.sparkgrad.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.SplittableRandom;

/** Naive reference implementations (double accumulation, obvious loops) and comparison helpers for kernel tests. */
final class Reference {

    private Reference() {
    }

    /** What a kernel test checks for one geometry; {@code what} names the geometry and the thread count, for messages. */
    interface Case<G> {
        void check(G g, String what);
    }

    /** Runs {@code check} for every geometry at one and then at two threads (the kernels split the work differently). */
    static <G> void atOneAndTwoThreads(List<G> geometries, Case<G> check) {
        for (int threads : new int[] {1, 2}) {
            Parallelism.setNumThreads(threads);
            for (G g : geometries) {
                check.check(g, g + " threads=" + threads);
            }
        }
    }

    static float[] random(SplittableRandom rnd, int size) {
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            a[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return a;
    }

    /** Elementwise {@code |a - e| <= abs + rel * |e|}; the message names the first failing index. */
    static void assertClose(String what, float[] expected, int eOff, float[] actual, int aOff, int len, double rel,
            double abs) {
        for (int i = 0; i < len; i++) {
            double e = expected[eOff + i];
            double a = actual[aOff + i];
            if (Double.isNaN(e) && Double.isNaN(a)) {
                continue;
            }
            if (!(Math.abs(a - e) <= abs + rel * Math.abs(e))) {
                fail(what + ": element " + i + " is " + a + ", expected " + e + " (tolerance rel " + rel + ", abs "
                        + abs + ")");
            }
        }
    }

    static void assertClose(String what, float[] expected, float[] actual, double rel, double abs) {
        assertEquals(expected.length, actual.length, what + ": length");
        assertClose(what, expected, 0, actual, 0, expected.length, rel, abs);
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    // ---- GEMM ----

    static void gemm(boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
            float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    double x = ta ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    double y = tb ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    s += x * y;
                }
                int ci = cOff + i * ldc + j;
                c[ci] = (float) (alpha * s + (beta == 0f ? 0.0 : (double) beta * c[ci]));
            }
        }
    }

    // ---- convolution ----

    /** One multiply-add of a convolution: input element {@code xi} times weight element {@code wi} into output {@code yi}. */
    private interface Tap {
        void accept(int xi, int wi, int yi);
    }

    /** Every multiply-add of the convolution, by the definition, in a fixed order (output by output). */
    private static void forEachTap(Conv2dGeometry g, Tap tap) {
        int oh = g.outH();
        int ow = g.outW();
        int cg = g.cPerGroup();
        int og = g.oPerGroup();
        for (int n = 0; n < g.n(); n++) {
            for (int o = 0; o < g.o(); o++) {
                int grp = o / og;
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        int yi = ((n * g.o() + o) * oh + i) * ow + j;
                        for (int ci = 0; ci < cg; ci++) {
                            int c = grp * cg + ci;
                            for (int ki = 0; ki < g.kh(); ki++) {
                                for (int kj = 0; kj < g.kw(); kj++) {
                                    int ih = i * g.strideH() - g.padH() + ki * g.dilationH();
                                    int iw = j * g.strideW() - g.padW() + kj * g.dilationW();
                                    if (ih < 0 || ih >= g.h() || iw < 0 || iw >= g.w()) {
                                        continue;
                                    }
                                    tap.accept(((n * g.c() + c) * g.h() + ih) * g.w() + iw, ((o * cg + ci) * g.kh() + ki) * g.kw() + kj, yi);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** The output channel of output element {@code yi}. */
    private static int channel(Conv2dGeometry g, int yi) {
        return yi / (g.outH() * g.outW()) % g.o();
    }

    static float[] convForward(Conv2dGeometry g, float[] x, float[] w, float[] bias) {
        double[] y = new double[g.outputSize()];
        for (int yi = 0; bias != null && yi < y.length; yi++) {
            y[yi] = bias[channel(g, yi)];
        }
        forEachTap(g, (xi, wi, yi) -> y[yi] += (double) x[xi] * w[wi]);
        return toFloat(y);
    }

    /** Gradients of sum(conv(x, w, b) * gy) by the adjoint loops: returns {gx, gw, gb}. */
    static float[][] convBackward(Conv2dGeometry g, float[] x, float[] w, float[] gy) {
        double[] gx = new double[g.inputSize()];
        double[] gw = new double[g.weightSize()];
        double[] gb = new double[g.o()];
        for (int yi = 0; yi < g.outputSize(); yi++) {
            gb[channel(g, yi)] += gy[yi];
        }
        forEachTap(g, (xi, wi, yi) -> {
            double up = gy[yi];
            gx[xi] += up * w[wi];
            gw[wi] += up * x[xi];
        });
        return new float[][] {toFloat(gx), toFloat(gw), toFloat(gb)};
    }

    static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }
}
