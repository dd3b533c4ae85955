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
        Parallelism.parallelFor(n * c, Math.max(1, 4096 / (h * w)), (chunk, p0, p1) -> {
            for (int pl = p0; pl < p1; pl++) {
                int in = xOff + pl * h * w;
                int out = yOff + pl * outH * outW;
                for (int oh = 0; oh < outH; oh++) {
                    int h0 = start(oh, h, outH);
                    int h1 = end(oh, h, outH);
                    for (int ow = 0; ow < outW; ow++) {
                        int w0 = start(ow, w, outW);
                        int w1 = end(ow, w, outW);
                        float s = 0f;
                        for (int ih = h0; ih < h1; ih++) {
                            for (int iw = w0; iw < w1; iw++) {
                                s += x[in + ih * w + iw];
                            }
                        }
                        y[out + oh * outW + ow] = s / ((h1 - h0) * (w1 - w0));
                    }
                }
            }
        });
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
        Parallelism.parallelFor(n * c, Math.max(1, 4096 / (h * w)), (chunk, p0, p1) -> {
            if (!accumulate) {
                java.util.Arrays.fill(gx, gxOff + p0 * h * w, gxOff + p1 * h * w, 0f);
            }
            for (int pl = p0; pl < p1; pl++) {
                int in = gxOff + pl * h * w;
                int out = gyOff + pl * outH * outW;
                for (int oh = 0; oh < outH; oh++) {
                    int h0 = start(oh, h, outH);
                    int h1 = end(oh, h, outH);
                    for (int ow = 0; ow < outW; ow++) {
                        int w0 = start(ow, w, outW);
                        int w1 = end(ow, w, outW);
                        float v = gy[out + oh * outW + ow] / ((h1 - h0) * (w1 - w0));
                        for (int ih = h0; ih < h1; ih++) {
                            for (int iw = w0; iw < w1; iw++) {
                                gx[in + ih * w + iw] += v;
                            }
                        }
                    }
                }
            }
        });
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
