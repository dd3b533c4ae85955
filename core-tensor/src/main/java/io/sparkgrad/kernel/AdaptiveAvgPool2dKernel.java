package io.sparkgrad.kernel;

/**
 * Adaptive 2-D average pooling on NCHW arrays: input {@code [n, c, h, w]} to output {@code [n, c, outH, outW]},
 * where output index {@code i} of {@code O} averages input indices {@code [floor(i * L / O), ceil((i + 1) * L / O))}
 * of length {@code L} (per axis; windows may overlap). For {@code outH = outW = 1} it is the global average.
 */
public final class AdaptiveAvgPool2dKernel {

    private AdaptiveAvgPool2dKernel() {
    }

    /** First input index of output {@code i}'s window: {@code floor(i * len / out)}. */
    static int start(int i, int len, int out) {
        return (int) ((long) i * len / out);
    }

    /** One past the last input index of output {@code i}'s window: {@code ceil((i + 1) * len / out)}. */
    static int end(int i, int len, int out) {
        return (int) (((long) (i + 1) * len + out - 1) / out);
    }

    /**
     * @param x input {@code [n, c, h, w]}
     * @param y output {@code [n, c, outH, outW]}, overwritten
     */
    public static void forward(int n, int c, int h, int w, int outH, int outW, float[] x, int xOff, float[] y,
            int yOff) {
        check(n, c, h, w, outH, outW);
        Checks.range("adaptive_avg_pool2d", "input", x, xOff, (long) n * c * h * w);
        Checks.range("adaptive_avg_pool2d", "output", y, yOff, (long) n * c * outH * outW);
        WindowAverage.forward(n * c, h, w, windows(h, w, outH, outW), x, xOff, y, yOff, Math.max(1, 4096 / (h * w)));
    }

    /**
     * Spreads each output gradient evenly over its window.
     *
     * @param gy grad of the output {@code [n, c, outH, outW]}
     * @param gx grad of the input {@code [n, c, h, w]}
     * @param accumulate add into {@code gx} instead of overwriting it
     */
    public static void backward(int n, int c, int h, int w, int outH, int outW, float[] gy, int gyOff, float[] gx,
            int gxOff, boolean accumulate) {
        check(n, c, h, w, outH, outW);
        Checks.range("adaptive_avg_pool2d backward", "grad_output", gy, gyOff, (long) n * c * outH * outW);
        Checks.range("adaptive_avg_pool2d backward", "grad_input", gx, gxOff, (long) n * c * h * w);
        WindowAverage.backward(n * c, h, w, windows(h, w, outH, outW), gy, gyOff, gx, gxOff, accumulate, Math.max(1, 4096 / (h * w)));
    }

    /** Output {@code i}'s window per axis is {@code [start(i), end(i))}; each sum is divided by its window's area. */
    private static WindowAverage.Windows windows(int h, int w, int outH, int outW) {
        int[] rs = new int[outH];
        int[] re = new int[outH];
        for (int i = 0; i < outH; i++) {
            rs[i] = start(i, h, outH);
            re[i] = end(i, h, outH);
        }
        int[] cs = new int[outW];
        int[] ce = new int[outW];
        for (int j = 0; j < outW; j++) {
            cs[j] = start(j, w, outW);
            ce[j] = end(j, w, outW);
        }
        return new WindowAverage.Windows(rs, re, cs, ce, 0);
    }

    /** Checks an output size before any input is seen (as {@code nn.AdaptiveAvgPool2d}'s constructor does). */
    public static void checkOutputSize(String op, int outH, int outW) {
        if (outH < 1 || outW < 1) {
            throw new IllegalArgumentException(op + ": output size must be positive, got (" + outH + ", " + outW + ")");
        }
    }

    /** Checks the sizes: input {@code [n, c, h, w]} with positive channels, height and width (n may be 0), output positive. */
    public static void check(int n, int c, int h, int w, int outH, int outW) {
        checkOutputSize("adaptive_avg_pool2d", outH, outW);
        if (n < 0 || c < 1 || h < 1 || w < 1) {
            throw new IllegalArgumentException("adaptive_avg_pool2d: expected an input [N, C, H, W] with positive C, H and W, but got "
                    + "input of size [" + n + ", " + c + ", " + h + ", " + w + "]");
        }
    }
}
