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
        WindowAverage.forward(g.n() * g.c(), g.h(), g.w(), windows(g), x, xOff, y, yOff, grain(g));
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
        WindowAverage.backward(g.n() * g.c(), g.h(), g.w(), windows(g), gy, gyOff, gx, gxOff, accumulate, grain(g));
    }

    /** Output {@code i}'s window starts at {@code i * stride - pad}, clipped to the input; the divisor counts the padding. */
    private static WindowAverage.Windows windows(Pool2dGeometry g) {
        int[][] rows = axis(g.outH(), g.strideH(), g.padH(), g.kh(), g.h());
        int[][] cols = axis(g.outW(), g.strideW(), g.padW(), g.kw(), g.w());
        return new WindowAverage.Windows(rows[0], rows[1], cols[0], cols[1], g.kh() * g.kw());
    }

    /** The window starts and ends along one axis of {@code len} inputs, clipped to {@code [0, len)}. */
    private static int[][] axis(int out, int stride, int pad, int k, int len) {
        int[][] se = new int[2][out];
        for (int i = 0; i < out; i++) {
            se[0][i] = Math.max(0, i * stride - pad);
            se[1][i] = Math.min(len, i * stride - pad + k);
        }
        return se;
    }

    private static int grain(Pool2dGeometry g) {
        return Math.max(1, 4096 / (g.outH() * g.outW()));
    }

    private static void checkGeometry(Pool2dGeometry g) {
        if (g.dilationH() != 1 || g.dilationW() != 1) {
            throw new IllegalArgumentException("avg_pool2d: dilation must be 1, got (" + g.dilationH() + ", "
                    + g.dilationW() + ")");
        }
    }
}
