package io.sparkgrad.kernel;

/**
 * 2-D max pooling on NCHW arrays with implicit {@code -inf} padding and dilation ({@code ceil_mode=false}). The
 * forward records, per output, the flat index {@code ih * w + iw} of the chosen input within its plane (PyTorch's
 * convention for {@code return_indices}); the backward routes each output gradient to that position. A NaN in a
 * window wins, as in PyTorch; among equal values the first in row-major window order wins.
 */
public final class MaxPool2dKernel {

    private MaxPool2dKernel() {
    }

    /**
     * @param g the geometry
     * @param x input {@code [n, c, h, w]}
     * @param y output {@code [n, c, outH, outW]}, overwritten
     * @param indices {@code [n, c, outH, outW]} argmax positions within each {@code h x w} plane, overwritten
     */
    public static void forward(Pool2dGeometry g, float[] x, int xOff, float[] y, int yOff, int[] indices,
            int idxOff) {
        Checks.range("max_pool2d", "input", x, xOff, g.inputSize());
        Checks.range("max_pool2d", "output", y, yOff, g.outputSize());
        Checks.range("max_pool2d", "indices", indices, idxOff, g.outputSize());
        int planes = g.n() * g.c();
        int h = g.h();
        int w = g.w();
        int outH = g.outH();
        int outW = g.outW();
        Parallelism.parallelFor(planes, Math.max(1, 4096 / (outH * outW)), (chunk, p0, p1) -> {
            for (int pl = p0; pl < p1; pl++) {
                int in = xOff + pl * h * w;
                int out = pl * outH * outW;
                for (int oh = 0; oh < outH; oh++) {
                    int h0 = oh * g.strideH() - g.padH();
                    for (int ow = 0; ow < outW; ow++) {
                        int w0 = ow * g.strideW() - g.padW();
                        float best = Float.NEGATIVE_INFINITY;
                        int arg = -1;
                        for (int ki = 0; ki < g.kh(); ki++) {
                            int ih = h0 + ki * g.dilationH();
                            if (ih < 0 || ih >= h) {
                                continue;
                            }
                            for (int kj = 0; kj < g.kw(); kj++) {
                                int iw = w0 + kj * g.dilationW();
                                if (iw < 0 || iw >= w) {
                                    continue;
                                }
                                float v = x[in + ih * w + iw];
                                if (v > best || v != v || arg < 0) {
                                    best = v;
                                    arg = ih * w + iw;
                                    if (v != v) {
                                        ki = g.kh();
                                        break;
                                    }
                                }
                            }
                        }
                        int o = out + oh * outW + ow;
                        y[yOff + o] = best;
                        indices[idxOff + o] = arg;
                    }
                }
            }
        });
    }

    /**
     * {@code gx[plane, indices[o]] (+)= gy[o]} for every output {@code o}.
     *
     * @param accumulate add into {@code gx} instead of overwriting it
     */
    public static void backward(Pool2dGeometry g, float[] gy, int gyOff, int[] indices, int idxOff, float[] gx,
            int gxOff, boolean accumulate) {
        Checks.range("max_pool2d backward", "grad_output", gy, gyOff, g.outputSize());
        Checks.range("max_pool2d backward", "indices", indices, idxOff, g.outputSize());
        Checks.range("max_pool2d backward", "grad_input", gx, gxOff, g.inputSize());
        int planes = g.n() * g.c();
        int hw = g.h() * g.w();
        int ohw = g.outH() * g.outW();
        Parallelism.parallelFor(planes, Math.max(1, 4096 / ohw), (chunk, p0, p1) -> {
            if (!accumulate) {
                java.util.Arrays.fill(gx, gxOff + p0 * hw, gxOff + p1 * hw, 0f);
            }
            for (int pl = p0; pl < p1; pl++) {
                for (int q = 0; q < ohw; q++) {
                    int o = pl * ohw + q;
                    int idx = indices[idxOff + o];
                    if (idx < 0 || idx >= hw) {
                        throw new IllegalArgumentException("max_pool2d backward: index " + idx + " at output " + o
                                + " is outside the " + g.h() + "x" + g.w() + " plane");
                    }
                    gx[gxOff + pl * hw + idx] += gy[gyOff + o];
                }
            }
        });
    }
}
