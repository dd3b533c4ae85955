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

        /** The least magnitude a moment keeps ({@link #MOMENT_FLOOR}); 0 (no floor) when {@code eps} is 0. */
        public float momentFloor() {
            return eps > 0f ? MOMENT_FLOOR : 0f;
        }

        /** Gradients smaller than this add nothing to the first moment: theirs would fall under the floor. */
        float firstMomentCutoff() {
            return eps > 0f ? (float) (MOMENT_FLOOR / oneMinusBeta1) : 0f;
        }

        /** Gradients smaller than this add nothing to the second moment: their square would fall under the floor. */
        float secondMomentCutoff() {
            return eps > 0f ? (float) Math.sqrt(MOMENT_FLOOR / oneMinusBeta2) : 0f;
        }
    }

    /**
     * Moments smaller than this (twice float's least normal number) are kept as 0, and gradients whose share of a
     * moment would be smaller add nothing to it, so that no subnormal float is ever computed. Intel CPUs take a
     * microcode assist, about a hundred cycles, for every operation that reads or makes one: once the MNIST CNN's
     * training made some gradients tiny (around step 750 of the main job), its driver's Adam step took 1.3-2 ms
     * instead of 0.2 ms on a 2-core Intel Xeon (2026-12-07), every step on the critical path; PyTorch's
     * {@code torch.set_flush_denormal(True)} is the same remedy for the whole process. What it changes: a moment
     * under 2^-125 that PyTorch would keep, whose part in the update ({@code m / (sqrt(v) + eps)}, with eps of 1e-8 or
     * anything not tiny) is under 2^-98 of the learning rate. With eps = 0 nothing is floored: there a subnormal
     * second moment is the whole denominator.
     */
    public static final float MOMENT_FLOOR = 0x1p-125f;

    /**
     * Updates {@code p[po .. po+n)} from the gradient {@code g[go .. go+n)} and the moments {@code m}, {@code v}
     * (and the running maximum {@code vmax} with amsgrad, else null), all of which start at index 0.
     */
    public static void update(Step s, float[] p, int po, float[] g, int go, float[] m, float[] v, float[] vmax, int n) {
        update(s, p, po, g, go, 1f, m, v, vmax, n);
    }

    /**
     * As {@link #update(Step, float[], int, float[], int, float[], float[], float[], int)} with the gradient
     * {@code g[i] / gradDivisor}: the bits of dividing {@code g} in place first (the same IEEE division, in a
     * register), without that pass over memory. The driver turns its gradient sum into the mean over the global batch
     * this way.
     */
    public static void update(Step s, float[] p, int po, float[] g, int go, float gradDivisor, float[] m, float[] v,
            float[] vmax, int n) {
        Checks.range("adam", "parameters", p, po, n);
        Checks.range("adam", "gradient", g, go, n);
        Checks.range("adam", "exp_avg", m, 0, n);
        Checks.range("adam", "exp_avg_sq", v, 0, n);
        if (vmax != null) {
            Checks.range("adam", "max_exp_avg_sq", vmax, 0, n);
        }
        Parallelism.parallelFor(n, GRAIN, (chunk, from, to) -> {
            int done = VECTOR ? VectorElementwise.adam(s, p, po + from, g, go + from, gradDivisor, m, v, vmax, from,
                    to - from) : 0;
            scalar(s, p, po + from + done, g, go + from + done, gradDivisor, m, v, vmax, from + done, to - from - done);
        });
    }

    /** The reference loop; {@code k} indexes the moments. */
    static void scalar(Step s, float[] p, int po, float[] g, int go, float gradDivisor, float[] m, float[] v, float[] vmax,
            int k, int n) {
        float floor = s.momentFloor();
        float cutM = s.firstMomentCutoff();
        float cutV = s.secondMomentCutoff();
        for (int i = 0; i < n; i++) {
            float gi = gradDivisor == 1f ? g[go + i] : g[go + i] / gradDivisor;
            gi = s.maximize() ? -gi : gi;
            float pi = p[po + i];
            if (s.decoupled()) {
                pi = pi * s.decay();
            } else if (s.l2() != 0f) {
                gi = gi + s.l2() * pi;
            }
            float gm = Math.abs(gi) < cutM ? 0f : gi;
            float gv = Math.abs(gi) < cutV ? 0f : gi;
            float mi = m[k + i] * s.beta1() + s.oneMinusBeta1() * gm;
            float vi = v[k + i] * s.beta2() + s.oneMinusBeta2() * gv * gv;
            mi = Math.abs(mi) < floor ? 0f : mi;
            vi = vi < floor ? 0f : vi;
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
