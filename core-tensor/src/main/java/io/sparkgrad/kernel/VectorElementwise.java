package io.sparkgrad.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Elementwise loops that C2 does not vectorise on its own (a select on a float compare), written with the Vector
 * API. Only loaded after checking that the module {@code jdk.incubator.vector} is present.
 */
final class VectorElementwise {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private VectorElementwise() {
    }

    /** {@code y = max(x, 0)}; {@code y} may be {@code x}. NaN stays NaN, -0.0 becomes +0.0 (as Math.max). */
    static void reluForward(float[] x, int xOff, float[] y, int yOff, int len) {
        int i = 0;
        int bound = S.loopBound(len);
        for (; i < bound; i += S.length()) {
            FloatVector.fromArray(S, x, xOff + i).max(0f).intoArray(y, yOff + i);
        }
        for (; i < len; i++) {
            y[yOff + i] = Math.max(x[xOff + i], 0f);
        }
    }

    /** {@code gx = y > 0 ? gy : 0} (NaN in y gives 0), or {@code gx += ...} when accumulating. */
    static void reluBackward(float[] y, int yOff, float[] gy, int gyOff, float[] gx, int gxOff, int len,
            boolean accumulate) {
        int i = 0;
        int bound = S.loopBound(len);
        // Two loops rather than a branch inside one: a vector merged from two paths may be boxed by C2.
        if (accumulate) {
            for (; i < bound; i += S.length()) {
                FloatVector yv = FloatVector.fromArray(S, y, yOff + i);
                VectorMask<Float> pos = yv.compare(VectorOperators.GT, 0f);
                FloatVector.fromArray(S, gx, gxOff + i)
                        .add(FloatVector.zero(S).blend(FloatVector.fromArray(S, gy, gyOff + i), pos))
                        .intoArray(gx, gxOff + i);
            }
        } else {
            for (; i < bound; i += S.length()) {
                FloatVector yv = FloatVector.fromArray(S, y, yOff + i);
                VectorMask<Float> pos = yv.compare(VectorOperators.GT, 0f);
                FloatVector.zero(S).blend(FloatVector.fromArray(S, gy, gyOff + i), pos).intoArray(gx, gxOff + i);
            }
        }
        for (; i < len; i++) {
            float g = y[yOff + i] > 0f ? gy[gyOff + i] : 0f;
            gx[gxOff + i] = accumulate ? gx[gxOff + i] + g : g;
        }
    }

    /**
     * {@code dst[dOff + i] = src[sOff + map[mOff + i]]} for the whole vectors of {@code i < len}, each one gather
     * (a scalar loop through an index table stores one element per load); returns how many elements it did (the rest
     * is the caller's scalar tail).
     */
    static int gather(float[] src, int sOff, int[] map, int mOff, float[] dst, int dOff, int len) {
        int bound = S.loopBound(len);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector.fromArray(S, src, sOff, map, mOff + i).intoArray(dst, dOff + i);
        }
        return bound;
    }

    /**
     * {@link AdamKernel#scalar}'s loop over whole vectors, the same operations in the same order; returns how many
     * elements it did (the rest is the caller's scalar tail).
     */
    static int adam(AdamKernel.Step s, float[] p, int po, float[] g, int go, float gradDivisor, float[] m, float[] v,
            float[] vmax, int k, int n) {
        int bound = S.loopBound(n);
        float floor = s.momentFloor();
        float cutM = s.firstMomentCutoff();
        float cutV = s.secondMomentCutoff();
        FloatVector zero = FloatVector.zero(S);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector gi = FloatVector.fromArray(S, g, go + i);
            if (gradDivisor != 1f) {
                gi = gi.div(gradDivisor);
            }
            if (s.maximize()) {
                gi = gi.neg();
            }
            FloatVector pi = FloatVector.fromArray(S, p, po + i);
            if (s.decoupled()) {
                pi = pi.mul(s.decay());
            } else if (s.l2() != 0f) {
                gi = gi.add(pi.mul(s.l2()));
            }
            FloatVector ga = gi.abs();
            FloatVector gm = gi.blend(zero, ga.lt(cutM));
            FloatVector gv = gi.blend(zero, ga.lt(cutV));
            FloatVector mi = FloatVector.fromArray(S, m, k + i).mul(s.beta1()).add(gm.mul(s.oneMinusBeta1()));
            FloatVector vi = FloatVector.fromArray(S, v, k + i).mul(s.beta2()).add(gv.mul(s.oneMinusBeta2()).mul(gv));
            mi = mi.blend(zero, mi.abs().lt(floor));
            vi = vi.blend(zero, vi.lt(floor));
            mi.intoArray(m, k + i);
            vi.intoArray(v, k + i);
            if (vmax != null) {
                vi = FloatVector.fromArray(S, vmax, k + i).max(vi);
                vi.intoArray(vmax, k + i);
            }
            FloatVector denom = vi.sqrt().div(s.bc2Sqrt()).add(s.eps());
            pi.add(mi.div(denom).mul(s.stepSize())).intoArray(p, po + i);
        }
        return bound;
    }

    /**
     * {@link SgdKernel#scalar}'s loop over whole vectors, the same operations in the same order; returns how many
     * elements it did (the rest is the caller's scalar tail).
     */
    static int sgd(SgdKernel.Step s, float[] p, int po, float[] g, int go, float gradDivisor, float[] buf, int k, int n) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector d = FloatVector.fromArray(S, g, go + i);
            if (gradDivisor != 1f) {
                d = d.div(gradDivisor);
            }
            if (s.maximize()) {
                d = d.neg();
            }
            FloatVector pi = FloatVector.fromArray(S, p, po + i);
            if (s.weightDecay() != 0f) {
                d = d.add(pi.mul(s.weightDecay()));
            }
            if (s.hasMomentum()) {
                FloatVector b = s.first() ? d : FloatVector.fromArray(S, buf, k + i).mul(s.momentum()).add(d.mul(s.keep()));
                b.intoArray(buf, k + i);
                d = s.nesterov() ? d.add(b.mul(s.momentum())) : b;
            }
            pi.add(d.mul(s.alpha())).intoArray(p, po + i);
        }
        return bound;
    }

    /**
     * {@code g[i] = g[i] + r[i]} for {@code i} in {@code [from, to)} over whole vectors; returns where it stopped (the
     * rest is the caller's scalar tail), shifted left by one, with the low bit set when some sum is NaN or infinite.
     */
    static long addInto(float[] g, float[] r, int from, int to) {
        int end = from + S.loopBound(to - from);
        VectorMask<Float> bad = S.maskAll(false);
        for (int i = from; i < end; i += S.length()) {
            FloatVector sum = FloatVector.fromArray(S, g, i).add(FloatVector.fromArray(S, r, i));
            sum.intoArray(g, i);
            bad = bad.or(sum.abs().compare(VectorOperators.LT, Float.POSITIVE_INFINITY).not());
        }
        return ((long) end << 1) | (bad.anyTrue() ? 1 : 0);
    }

    /**
     * Looks for NaN and infinities in {@code g[0 .. n)} over whole vectors: how many elements it read when all were
     * finite (the rest is the caller's scalar tail), or -1 when some were not.
     */
    static int finitePrefix(float[] g, int n) {
        int bound = S.loopBound(n);
        VectorMask<Float> bad = S.maskAll(false);
        for (int i = 0; i < bound; i += S.length()) {
            // |g| < inf is false exactly for NaN and the infinities.
            bad = bad.or(FloatVector.fromArray(S, g, i).abs().compare(VectorOperators.LT, Float.POSITIVE_INFINITY).not());
        }
        return bad.anyTrue() ? -1 : bound;
    }
}
