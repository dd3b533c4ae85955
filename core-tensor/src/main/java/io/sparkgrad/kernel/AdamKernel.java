package io.sparkgrad.kernel;

/**
 * One Adam (or AdamW) update over a contiguous run of parameters, in float32 with PyTorch's order of operations (see
 * {@code io.sparkgrad.optim.Adam} for the rule). The Vector API path does the very same roundings lane by lane (no
 * fused multiply-add; a float square root is the correctly rounded one, as {@code (float) Math.sqrt(double)} is), so
 * both paths give identical bits: a checkpoint resumed on a machine without the Vector API continues exactly.
 *
 * <p>Why a kernel: the scalar loop, a square root and two divisions per parameter, took 0.75 ms per step for the
 * 207 K parameters of the MNIST CNN, on the driver's critical path between two distributed steps.
 */
public final class AdamKernel {

    private static final boolean VECTOR = Gemm.vectorModulePresent();
    /**
     * Least parameters worth a thread. The driver steps once between two distributed steps, long after the intra-op
     * team has parked, and waking a parked thread costs more than the vector work it would take over: for the MNIST
     * CNN's 207 K parameters on the 2-core AMD EPYC, one thread took 0.08 ms a step and two 0.15-0.28 ms, with a 2 ms
     * pause between steps (2026-12-07).
     */
    private static final int GRAIN = 1 << 18;

    private AdamKernel() {
    }

    /**
     * The step's constants, in float as the update uses them.
     *
     * @param stepSize  {@code -lr / (1 - beta1^t)}
     * @param bc2Sqrt   {@code sqrt(1 - beta2^t)}
     * @param l2        weight decay added to the gradient (Adam), 0 for none or when decoupled
     * @param decay     {@code 1 - lr * weight_decay}, applied to the parameter first when {@code decoupled} (AdamW)
     */
    public record Step(float stepSize, float bc2Sqrt, float beta1, float beta2, float oneMinusBeta1, float oneMinusBeta2,
                       float eps, float l2, boolean decoupled, float decay, boolean maximize) {
    }

    /**
     * Updates {@code p[po .. po+n)} from the gradient {@code g[go .. go+n)} and the moments {@code m}, {@code v}
     * (and the running maximum {@code vmax} with amsgrad, else null), all of which start at index 0.
     */
    public static void update(Step s, float[] p, int po, float[] g, int go, float[] m, float[] v, float[] vmax, int n) {
        Checks.range("adam", "parameters", p, po, n);
        Checks.range("adam", "gradient", g, go, n);
        Checks.range("adam", "exp_avg", m, 0, n);
        Checks.range("adam", "exp_avg_sq", v, 0, n);
        if (vmax != null) {
            Checks.range("adam", "max_exp_avg_sq", vmax, 0, n);
        }
        Parallelism.parallelFor(n, GRAIN, (chunk, from, to) -> {
            int done = VECTOR ? VectorElementwise.adam(s, p, po + from, g, go + from, m, v, vmax, from, to - from) : 0;
            scalar(s, p, po + from + done, g, go + from + done, m, v, vmax, from + done, to - from - done);
        });
    }

    /** The reference loop; {@code k} indexes the moments. */
    static void scalar(Step s, float[] p, int po, float[] g, int go, float[] m, float[] v, float[] vmax, int k, int n) {
        for (int i = 0; i < n; i++) {
            float gi = s.maximize() ? -g[go + i] : g[go + i];
            float pi = p[po + i];
            if (s.decoupled()) {
                pi = pi * s.decay();
            } else if (s.l2() != 0f) {
                gi = gi + s.l2() * pi;
            }
            float mi = m[k + i] * s.beta1() + s.oneMinusBeta1() * gi;
            float vi = v[k + i] * s.beta2() + s.oneMinusBeta2() * gi * gi;
            m[k + i] = mi;
            v[k + i] = vi;
            if (vmax != null) {
                vi = Math.max(vmax[k + i], vi);
                vmax[k + i] = vi;
            }
            // sqrt in double then rounded is the correctly rounded float sqrt.
            float denom = (float) Math.sqrt(vi) / s.bc2Sqrt() + s.eps();
            p[po + i] = pi + s.stepSize() * (mi / denom);
        }
    }
}
