package io.sparkgrad.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Forward convolution for layers with few taps per output ({@code (c / groups) * kh * kw <= }{@value #MAX_TAPS},
 * e.g. the one-channel 3x3 first layer of an MNIST CNN), with vector lanes along output positions.
 *
 * <p>Why: such a layer has a large output (16 x 14 x 14 per sample) for few multiply-adds, so what costs is writing
 * it. {@link DirectConv} (lanes along channels) must scatter every output value into NCHW one float at a time;
 * here each sample's patches are first laid out by {@link Patches} ({@code col[tap][position]}, a cheap gather for
 * so few taps) and then every output row {@code y[o][q .. q+L)} is computed and stored as whole vectors, 8 output
 * channels per register tile. Only loaded after checking that the module {@code jdk.incubator.vector} is present.
 */
final class PositionConv {

    /** The most taps per output this path takes. */
    static final int MAX_TAPS = 16;
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Target size in floats of one thread's column buffer. */
    private static final int COL_TARGET = 1 << 15;

    private PositionConv() {
    }

    /** Whether this path takes the geometry. */
    static boolean accepts(Conv2dGeometry g) {
        return g.cPerGroup() * g.kh() * g.kw() <= MAX_TAPS;
    }

    /** {@code y = conv(x) + bias}, or its ReLU; every group, every sample. Arguments are already checked. */
    static void forward(Conv2dGeometry g, float[] x, int xOff, float[] w, int wOff, float[] bias, int bOff,
            float[] y, int yOff, boolean relu) {
        int p = g.outH() * g.outW();
        int kg = g.cPerGroup() * g.kh() * g.kw();
        int sub = Math.max(1, Math.min(g.n(), COL_TARGET / (kg * p)));
        float floor = relu ? 0f : Float.NEGATIVE_INFINITY;
        Patches.of(g).forEachBlock(g.n(), x, xOff, sub, (col, b0, sb, cols, grp) -> {
            for (int s = 0; s < sb; s++) {
                rows(g, col, cols, s * p, p, kg, grp, w, wOff, bias, bOff, y, yOff + (b0 + s) * g.o() * p, floor);
            }
        });
    }

    /**
     * One sample and group: {@code y[o][q] = max(bias[o] + sum_r w[o][r] * col[r][colOff + q], floor)} for the
     * group's output channels, {@code q < p}.
     */
    private static void rows(Conv2dGeometry g, float[] col, int cols, int colOff, int p, int kg, int grp, float[] w,
            int wOff, float[] bias, int bOff, float[] y, int ySample, float floor) {
        int og = g.oPerGroup();
        int o0 = grp * og;
        // Vector starts: every whole vector, plus one ending exactly at p when p is not a multiple of L (it
        // recomputes and rewrites a few positions with the same values instead of a scalar tail).
        int fullQ = p / L * L;
        int lastQ = p >= L && fullQ < p ? p - L : -1;
        int vecEnd = lastQ >= 0 ? fullQ + L : fullQ;
        FloatVector fl = FloatVector.broadcast(S, floor);
        int oc = 0;
        for (; oc + 7 < og; oc += 8) {
            int o = o0 + oc;
            int wr = wOff + o * kg;
            for (int qi = 0; qi < vecEnd; qi += L) {
                int q = qi < fullQ ? qi : lastQ;
                FloatVector a0 = FloatVector.broadcast(S, biasOf(bias, bOff, o));
                FloatVector a1 = FloatVector.broadcast(S, biasOf(bias, bOff, o + 1));
                FloatVector a2 = FloatVector.broadcast(S, biasOf(bias, bOff, o + 2));
                FloatVector a3 = FloatVector.broadcast(S, biasOf(bias, bOff, o + 3));
                FloatVector a4 = FloatVector.broadcast(S, biasOf(bias, bOff, o + 4));
                FloatVector a5 = FloatVector.broadcast(S, biasOf(bias, bOff, o + 5));
                FloatVector a6 = FloatVector.broadcast(S, biasOf(bias, bOff, o + 6));
                FloatVector a7 = FloatVector.broadcast(S, biasOf(bias, bOff, o + 7));
                for (int r = 0; r < kg; r++) {
                    FloatVector cv = FloatVector.fromArray(S, col, r * cols + colOff + q);
                    a0 = FloatVector.broadcast(S, w[wr + r]).fma(cv, a0);
                    a1 = FloatVector.broadcast(S, w[wr + kg + r]).fma(cv, a1);
                    a2 = FloatVector.broadcast(S, w[wr + 2 * kg + r]).fma(cv, a2);
                    a3 = FloatVector.broadcast(S, w[wr + 3 * kg + r]).fma(cv, a3);
                    a4 = FloatVector.broadcast(S, w[wr + 4 * kg + r]).fma(cv, a4);
                    a5 = FloatVector.broadcast(S, w[wr + 5 * kg + r]).fma(cv, a5);
                    a6 = FloatVector.broadcast(S, w[wr + 6 * kg + r]).fma(cv, a6);
                    a7 = FloatVector.broadcast(S, w[wr + 7 * kg + r]).fma(cv, a7);
                }
                int yo = ySample + o * p + q;
                a0.max(fl).intoArray(y, yo);
                a1.max(fl).intoArray(y, yo + p);
                a2.max(fl).intoArray(y, yo + 2 * p);
                a3.max(fl).intoArray(y, yo + 3 * p);
                a4.max(fl).intoArray(y, yo + 4 * p);
                a5.max(fl).intoArray(y, yo + 5 * p);
                a6.max(fl).intoArray(y, yo + 6 * p);
                a7.max(fl).intoArray(y, yo + 7 * p);
            }
        }
        for (; oc < og; oc++) {
            int o = o0 + oc;
            int wr = wOff + o * kg;
            for (int qi = 0; qi < vecEnd; qi += L) {
                int q = qi < fullQ ? qi : lastQ;
                FloatVector a0 = FloatVector.broadcast(S, biasOf(bias, bOff, o));
                for (int r = 0; r < kg; r++) {
                    a0 = FloatVector.broadcast(S, w[wr + r]).fma(FloatVector.fromArray(S, col, r * cols + colOff + q),
                            a0);
                }
                a0.max(fl).intoArray(y, ySample + o * p + q);
            }
        }
        // Fewer positions than one vector: one at a time.
        for (int q = vecEnd; q < p; q++) {
            for (oc = 0; oc < og; oc++) {
                int o = o0 + oc;
                float v = biasOf(bias, bOff, o);
                for (int r = 0; r < kg; r++) {
                    v += w[wOff + o * kg + r] * col[r * cols + colOff + q];
                }
                y[ySample + o * p + q] = Math.max(v, floor);
            }
        }
    }

    private static float biasOf(float[] bias, int bOff, int o) {
        return bias == null ? 0f : bias[bOff + o];
    }
}
