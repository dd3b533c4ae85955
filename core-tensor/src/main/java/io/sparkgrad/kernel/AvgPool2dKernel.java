package io.sparkgrad.kernel;

/**
 * 2-D average pooling on NCHW arrays with zero padding counted in the divisor ({@code count_include_pad=true},
 * {@code ceil_mode=false}): every window divides by {@code kh * kw}. Dilation must be 1 (PyTorch's
 * {@code avg_pool2d} has none).
 */
public final class AvgPool2dKernel {

    private AvgPool2dKernel() {
    }

    /**
     * @param g the geometry (dilation 1)
     * @param x input {@code [n, c, h, w]}
     * @param y output {@code [n, c, outH, outW]}, overwritten
     */
    public static void forward(Pool2dGeometry g, float[] x, int xOff, float[] y, int yOff) {
        checkGeometry(g);
        Checks.range("avg_pool2d", "input", x, xOff, g.inputSize());
        Checks.range("avg_pool2d", "output", y, yOff, g.outputSize());
        int h = g.h();
        int w = g.w();
        int outH = g.outH();
        int outW = g.outW();
        float inv = 1f / (g.kh() * g.kw());
        Parallelism.parallelFor(g.n() * g.c(), Math.max(1, 4096 / (outH * outW)), (chunk, p0, p1) -> {
            for (int pl = p0; pl < p1; pl++) {
                int in = xOff + pl * h * w;
                int out = yOff + pl * outH * outW;
                for (int oh = 0; oh < outH; oh++) {
                    int h0 = Math.max(0, oh * g.strideH() - g.padH());
                    int h1 = Math.min(h, oh * g.strideH() - g.padH() + g.kh());
                    for (int ow = 0; ow < outW; ow++) {
                        int w0 = Math.max(0, ow * g.strideW() - g.padW());
                        int w1 = Math.min(w, ow * g.strideW() - g.padW() + g.kw());
                        float s = 0f;
                        for (int ih = h0; ih < h1; ih++) {
                            for (int iw = w0; iw < w1; iw++) {
                                s += x[in + ih * w + iw];
                            }
                        }
                        y[out + oh * outW + ow] = s * inv;
                    }
                }
            }
        });
    }

    /**
     * Spreads each output gradient evenly, {@code gy / (kh * kw)}, over the input positions of its window.
     *
     * @param accumulate add into {@code gx} instead of overwriting it
     */
    public static void backward(Pool2dGeometry g, float[] gy, int gyOff, float[] gx, int gxOff, boolean accumulate) {
        checkGeometry(g);
        Checks.range("avg_pool2d backward", "grad_output", gy, gyOff, g.outputSize());
        Checks.range("avg_pool2d backward", "grad_input", gx, gxOff, g.inputSize());
        int h = g.h();
        int w = g.w();
        int outH = g.outH();
        int outW = g.outW();
        float inv = 1f / (g.kh() * g.kw());
        Parallelism.parallelFor(g.n() * g.c(), Math.max(1, 4096 / (outH * outW)), (chunk, p0, p1) -> {
            if (!accumulate) {
                java.util.Arrays.fill(gx, gxOff + p0 * h * w, gxOff + p1 * h * w, 0f);
            }
            for (int pl = p0; pl < p1; pl++) {
                int in = gxOff + pl * h * w;
                int out = gyOff + pl * outH * outW;
                for (int oh = 0; oh < outH; oh++) {
                    int h0 = Math.max(0, oh * g.strideH() - g.padH());
                    int h1 = Math.min(h, oh * g.strideH() - g.padH() + g.kh());
                    for (int ow = 0; ow < outW; ow++) {
                        int w0 = Math.max(0, ow * g.strideW() - g.padW());
                        int w1 = Math.min(w, ow * g.strideW() - g.padW() + g.kw());
                        float v = gy[out + oh * outW + ow] * inv;
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

    private static void checkGeometry(Pool2dGeometry g) {
        if (g.dilationH() != 1 || g.dilationW() != 1) {
            throw new IllegalArgumentException("avg_pool2d: dilation must be 1, got (" + g.dilationH() + ", "
                    + g.dilationW() + ")");
        }
    }
}
