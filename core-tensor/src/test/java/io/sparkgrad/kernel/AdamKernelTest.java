package io.sparkgrad.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The kernel (Vector API where present, over threads) gives the reference loop's bits, for every option; with a
 * gradient divisor, the bits of the reference loop on the gradient divided in place first (the driver's mean).
 */
class AdamKernelTest {

    @ParameterizedTest(name = "n={0} l2={1} decoupled={2} amsgrad={3} maximize={4} threads={5} divisor={6}")
    @CsvSource({
        "70001, 0, false, false, false, 2, 1",
        "70001, 0, false, false, false, 2, 64",
        "70001, 0.01, false, false, false, 1, 3",
        "1000, 0.01, true, false, false, 2, 7",
        "999, 0, false, true, false, 1, 1",
        "65537, 0.1, false, true, true, 2, 10",
        "13, 0, false, false, true, 1, 96"})
    void matchesTheScalarReferenceBitForBit(int n, float wd, boolean decoupled, boolean amsgrad, boolean maximize, int threads,
                                            float divisor) {
        WithThreads.run(threads, () -> {
            Random r = new Random(n);
            float[] p = new float[n + 3];
            float[] g = new float[n + 5];
            float[] m = new float[n];
            float[] v = new float[n];
            float[] vmax = amsgrad ? new float[n] : null;
            for (int i = 0; i < p.length; i++) {
                p[i] = (float) r.nextGaussian();
            }
            float[] p2 = p.clone();
            float[] m2 = m.clone();
            float[] v2 = v.clone();
            float[] vmax2 = vmax == null ? null : vmax.clone();
            for (int step = 1; step <= 3; step++) {
                for (int i = 0; i < g.length; i++) {
                    // Some gradients tiny (down to subnormal, where the moments' floor acts), some large: the
                    // square root and the divisions see every scale.
                    g[i] = (float) (r.nextGaussian() * Math.pow(10, i % 5 == 0 ? -r.nextInt(45) : r.nextInt(8) - 6));
                }
                double bc1 = 1 - Math.pow(0.9, step);
                double bc2 = 1 - Math.pow(0.999, step);
                AdamKernel.Step s = new AdamKernel.Step((float) (-1e-3 / bc1), (float) Math.sqrt(bc2), 0.9f, 0.999f, 0.1f, 0.001f,
                        1e-8f, decoupled ? 0f : wd, decoupled, (float) (1 - 1e-3 * wd), maximize);
                float[] mean = g.clone();
                for (int i = 0; i < mean.length; i++) {
                    mean[i] /= divisor;
                }
                AdamKernel.update(s, p, 3, g, 5, divisor, m, v, vmax, n);
                AdamKernel.scalar(s, p2, 3, mean, 5, 1f, m2, v2, vmax2, 0, n);
                assertArrayEquals(p2, p, 0f, "parameters after step " + step);
                assertArrayEquals(m2, m, 0f, "exp_avg after step " + step);
                assertArrayEquals(v2, v, 0f, "exp_avg_sq after step " + step);
                if (amsgrad) {
                    assertArrayEquals(vmax2, vmax, 0f, "max_exp_avg_sq after step " + step);
                }
            }
        });
    }

    /**
     * Tiny gradients, then none (the moments decay through the subnormal range): no moment is ever subnormal, and the
     * parameters are bit for bit those of PyTorch's rule, which keeps subnormal moments.
     */
    @ParameterizedTest(name = "threads={0}")
    @CsvSource({"1", "2"})
    void noMomentIsEverSubnormalYetTheParametersFollowTheUnflooredRule(int threads) {
        WithThreads.run(threads, () -> {
            int n = 4099;
            Random r = new Random(7);
            float[] p = new float[n];
            for (int i = 0; i < n; i++) {
                p[i] = (float) r.nextGaussian();
            }
            float[] ref = p.clone();
            float[] m = new float[n];
            float[] v = new float[n];
            float[] mRef = new float[n];
            float[] vRef = new float[n];
            float[] g = new float[n];
            int subnormalInReference = 0;
            for (int step = 1; step <= 300; step++) {
                for (int i = 0; i < n; i++) {
                    g[i] = step > 20 ? 0f : (float) (r.nextGaussian() * Math.pow(10, -r.nextInt(46)));
                }
                AdamKernel.Step s = step(step, 1e-8f);
                AdamKernel.update(s, p, 0, g, 0, m, v, null, n);
                unfloored(s, ref, g, mRef, vRef);
                assertArrayEquals(ref, p, 0f, "parameters after step " + step);
                for (int i = 0; i < n; i++) {
                    assertTrue(m[i] == 0f || Math.abs(m[i]) >= AdamKernel.MOMENT_FLOOR, "exp_avg " + m[i] + " at " + i);
                    assertTrue(v[i] == 0f || v[i] >= AdamKernel.MOMENT_FLOOR, "exp_avg_sq " + v[i] + " at " + i);
                    if (Math.abs(mRef[i]) < Float.MIN_NORMAL && mRef[i] != 0f || vRef[i] < Float.MIN_NORMAL && vRef[i] != 0f) {
                        subnormalInReference++;
                    }
                }
            }
            assertTrue(subnormalInReference > 1000, "the reference's moments went subnormal: " + subnormalInReference);
        });
    }

    /** Without eps a subnormal second moment is the whole denominator: nothing is floored, as in PyTorch. */
    @Test
    void withoutEpsTheMomentsAreThoseOfTheUnflooredRule() {
        int n = 1000;
        float[] p = new float[n];
        float[] g = new float[n];
        Random r = new Random(8);
        for (int i = 0; i < n; i++) {
            p[i] = (float) r.nextGaussian();
            g[i] = (float) (r.nextGaussian() * Math.pow(10, -r.nextInt(46)));
        }
        float[] ref = p.clone();
        float[] m = new float[n];
        float[] v = new float[n];
        float[] mRef = new float[n];
        float[] vRef = new float[n];
        AdamKernel.Step s = step(1, 0f);
        assertEquals(0f, s.momentFloor());
        AdamKernel.update(s, p, 0, g, 0, m, v, null, n);
        unfloored(s, ref, g, mRef, vRef);
        assertArrayEquals(mRef, m, 0f);
        assertArrayEquals(vRef, v, 0f);
        assertArrayEquals(ref, p, 0f);
    }

    private static AdamKernel.Step step(int step, float eps) {
        double bc1 = 1 - Math.pow(0.9, step);
        double bc2 = 1 - Math.pow(0.999, step);
        return new AdamKernel.Step((float) (-1e-3 / bc1), (float) Math.sqrt(bc2), 0.9f, 0.999f, 0.1f, 0.001f, eps, 0f,
                false, 1f, false);
    }

    /** PyTorch's Adam in float, in its order of operations, keeping subnormal moments. */
    private static void unfloored(AdamKernel.Step s, float[] p, float[] g, float[] m, float[] v) {
        for (int i = 0; i < p.length; i++) {
            m[i] = m[i] * s.beta1() + s.oneMinusBeta1() * g[i];
            v[i] = v[i] * s.beta2() + s.oneMinusBeta2() * g[i] * g[i];
            float denom = (float) Math.sqrt(v[i]) / s.bc2Sqrt() + s.eps();
            p[i] = p[i] + s.stepSize() * (m[i] / denom);
        }
    }
}
