package io.sparkgrad.kernel;

/**
 * Adding a bias vector over rows or channels, and its adjoint, the sum over rows or channels (the bias gradient).
 * "Rows" is a row-major {@code [rows, cols]} matrix with the bias along the columns ({@code Linear}); "channels" is
 * an NCHW-like {@code [n, c, hw]} block with one bias per channel ({@code Conv2d}).
 */
public final class BiasKernel {

    private BiasKernel() {
    }

    /** {@code y[r, j] += bias[j]} for a {@code [rows, cols]} matrix. */
    public static void addRows(int rows, int cols, float[] bias, int bOff, float[] y, int yOff) {
        Checks.range("bias add", "bias", bias, bOff, cols);
        Checks.range("bias add", "y", y, yOff, (long) rows * cols);
        for (int r = 0; r < rows; r++) {
            int row = yOff + r * cols;
            for (int j = 0; j < cols; j++) {
                y[row + j] += bias[bOff + j];
            }
        }
    }

    /** {@code y[i, ch, q] += bias[ch]} for an {@code [n, c, hw]} block. */
    public static void addChannels(int n, int c, int hw, float[] bias, int bOff, float[] y, int yOff) {
        Checks.range("bias add", "bias", bias, bOff, c);
        Checks.range("bias add", "y", y, yOff, (long) n * c * hw);
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++) {
                float b = bias[bOff + ch];
                int base = yOff + (i * c + ch) * hw;
                for (int q = 0; q < hw; q++) {
                    y[base + q] += b;
                }
            }
        }
    }

    /**
     * {@code out[j] (+)= sum over r of g[r, j]} for a {@code [rows, cols]} matrix: the gradient of a row bias.
     *
     * @param accumulate add to {@code out} instead of overwriting it
     */
    public static void sumRows(int rows, int cols, float[] g, int gOff, float[] out, int outOff, boolean accumulate) {
        Checks.range("bias sum", "grad", g, gOff, (long) rows * cols);
        Checks.range("bias sum", "out", out, outOff, cols);
        if (!accumulate) {
            java.util.Arrays.fill(out, outOff, outOff + cols, 0f);
        }
        for (int r = 0; r < rows; r++) {
            int row = gOff + r * cols;
            for (int j = 0; j < cols; j++) {
                out[outOff + j] += g[row + j];
            }
        }
    }

    /**
     * {@code out[ch] (+)= sum over i, q of g[i, ch, q]} for an {@code [n, c, hw]} block: the gradient of a channel
     * bias.
     *
     * @param accumulate add to {@code out} instead of overwriting it
     */
    public static void sumChannels(int n, int c, int hw, float[] g, int gOff, float[] out, int outOff,
            boolean accumulate) {
        Checks.range("bias sum", "grad", g, gOff, (long) n * c * hw);
        Checks.range("bias sum", "out", out, outOff, c);
        for (int ch = 0; ch < c; ch++) {
            float s = 0f;
            for (int i = 0; i < n; i++) {
                s += sum(g, gOff + (i * c + ch) * hw, hw);
            }
            out[outOff + ch] = accumulate ? out[outOff + ch] + s : s;
        }
    }

    /**
     * The sum of {@code len} floats, in 8 interleaved partial sums: a single running sum waits on the previous
     * add's latency every element (the JIT may not reorder float adds), eight of them keep the adder busy.
     */
    static float sum(float[] a, int off, int len) {
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        float s4 = 0f;
        float s5 = 0f;
        float s6 = 0f;
        float s7 = 0f;
        int i = 0;
        for (; i + 7 < len; i += 8) {
            int k = off + i;
            s0 += a[k];
            s1 += a[k + 1];
            s2 += a[k + 2];
            s3 += a[k + 3];
            s4 += a[k + 4];
            s5 += a[k + 5];
            s6 += a[k + 6];
            s7 += a[k + 7];
        }
        for (; i < len; i++) {
            s0 += a[off + i];
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }
}
