package io.sparkgrad.kernel;

/**
 * One SGD update over a contiguous run of parameters, in float32 with PyTorch's order of operations (see
 * {@code io.sparkgrad.optim.SGD} for the rule). The Vector API path does the very same roundings lane by lane (no
 * fused multiply-add), so both paths give identical bits.
 *
 * <p>Why a kernel: the scalar loop, its five options tested per parameter, is not vectorised by C2 and took 0.53 ms
 * per step for a million parameters with momentum (Adam's kernel: 0.13 ms), on the driver's critical path between
 * two distributed steps (2-core AMD EPYC, 2026-12-07).
 */
public final class SgdKernel {

    private static final boolean VECTOR = Gemm.vectorModulePresent();
    /** Least parameters worth a thread: as {@link AdamKernel}'s, whose reasons hold here too. */
    private static final int GRAIN = 1 << 18;

    private SgdKernel() {
    }

    /**
     * The step's constants, in float as the update uses them.
     *
     * @param alpha       {@code -lr}
     * @param weightDecay L2 weight decay added to the gradient, 0 for none
     * @param momentum    the momentum factor; with {@code hasMomentum} false no buffer is read or written
     * @param keep        {@code 1 - dampening}
     * @param first       the parameter's first step: the buffer starts as the gradient
     */
    public record Step(float alpha, float weightDecay, boolean hasMomentum, float momentum, float keep, boolean first,
                       boolean nesterov, boolean maximize) {
    }

    /**
     * Updates {@code p[po .. po+n)} from the gradient {@code g[go .. go+n)} and, with momentum, the buffer
     * {@code buf[0 .. n)} (null without momentum).
     */
    public static void update(Step s, float[] p, int po, float[] g, int go, float[] buf, int n) {
        update(s, p, po, g, go, 1f, buf, n);
    }

    /**
     * As {@link #update(Step, float[], int, float[], int, float[], int)} with the gradient {@code g[i] / gradDivisor}:
     * the bits of dividing {@code g} in place first (the same IEEE division, in a register), without that pass over
     * memory. The driver turns its gradient sum into the mean over the global batch this way.
     */
    public static void update(Step s, float[] p, int po, float[] g, int go, float gradDivisor, float[] buf, int n) {
        Checks.range("sgd", "parameters", p, po, n);
        Checks.range("sgd", "gradient", g, go, n);
        if (s.hasMomentum()) {
            Checks.range("sgd", "momentum_buffer", buf, 0, n);
        }
        Parallelism.parallelFor(n, GRAIN, (chunk, from, to) -> {
            int done = VECTOR ? VectorElementwise.sgd(s, p, po + from, g, go + from, gradDivisor, buf, from, to - from) : 0;
            scalar(s, p, po + from + done, g, go + from + done, gradDivisor, buf, from + done, to - from - done);
        });
    }

    /** The reference loop; {@code k} indexes the buffer. */
    static void scalar(Step s, float[] p, int po, float[] g, int go, float gradDivisor, float[] buf, int k, int n) {
        for (int i = 0; i < n; i++) {
            float d = gradDivisor == 1f ? g[go + i] : g[go + i] / gradDivisor;
            d = s.maximize() ? -d : d;
            if (s.weightDecay() != 0f) {
                d = d + s.weightDecay() * p[po + i];
            }
            if (s.hasMomentum()) {
                float b = s.first() ? d : buf[k + i] * s.momentum() + s.keep() * d;
                buf[k + i] = b;
                d = s.nesterov() ? d + s.momentum() * b : b;
            }
            p[po + i] = p[po + i] + s.alpha() * d;
        }
    }
}
