package io.sparkgrad.kernel;

/** ReLU over a contiguous run of floats, forward and backward. NaN passes through as in PyTorch. */
public final class ReluKernel {

    private ReluKernel() {
    }

    /** {@code y[i] = max(x[i], 0)} for {@code len} elements; {@code y} may be {@code x} (in place). */
    public static void forward(float[] x, int xOff, float[] y, int yOff, int len) {
        Checks.range("relu", "input", x, xOff, len);
        Checks.range("relu", "output", y, yOff, len);
        for (int i = 0; i < len; i++) {
            float v = x[xOff + i];
            // keeps NaN as PyTorch does; negatives and -0.0 become +0.0
            y[yOff + i] = v > 0f || v != v ? v : 0f;
        }
    }

    /**
     * {@code gx[i] (+)= gy[i]} where the forward result {@code y[i] > 0} (or equivalently the input was positive),
     * else 0 (nothing added).
     *
     * @param y the forward output (or input) that decides the mask
     * @param accumulate add into {@code gx} instead of overwriting it
     */
    public static void backward(float[] y, int yOff, float[] gy, int gyOff, float[] gx, int gxOff, int len,
            boolean accumulate) {
        Checks.range("relu backward", "output", y, yOff, len);
        Checks.range("relu backward", "grad_output", gy, gyOff, len);
        Checks.range("relu backward", "grad_input", gx, gxOff, len);
        if (accumulate) {
            for (int i = 0; i < len; i++) {
                if (y[yOff + i] > 0f) {
                    gx[gxOff + i] += gy[gyOff + i];
                }
            }
        } else {
            for (int i = 0; i < len; i++) {
                gx[gxOff + i] = y[yOff + i] > 0f ? gy[gyOff + i] : 0f;
            }
        }
    }
}
