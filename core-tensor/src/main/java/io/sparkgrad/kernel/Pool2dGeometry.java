package io.sparkgrad.kernel;

/**
 * The sizes of one 2-D pooling window sweep over an NCHW input {@code [n, c, h, w]}, with {@code ceil_mode=false}:
 * {@code outH = floor((h + 2 padH - dilationH (kh - 1) - 1) / strideH) + 1} (likewise outW). As in PyTorch, the
 * padding may be at most half the kernel size.
 *
 * @param n batch size
 * @param c channels
 * @param h input height
 * @param w input width
 * @param kh window height
 * @param kw window width
 * @param strideH vertical stride
 * @param strideW horizontal stride
 * @param padH rows of padding above and below
 * @param padW columns of padding left and right
 * @param dilationH vertical spacing of window taps (max pooling only; average pooling requires 1)
 * @param dilationW horizontal spacing of window taps
 */
public record Pool2dGeometry(int n, int c, int h, int w, int kh, int kw, int strideH, int strideW, int padH,
        int padW, int dilationH, int dilationW) {

    /** Validates the sizes; the message names the offending values. */
    public Pool2dGeometry {
        if (n < 0 || c < 1 || h < 1 || w < 1 || kh < 1 || kw < 1) {
            throw new IllegalArgumentException("pool2d: sizes must be positive (batch may be 0), got input [" + n + ", "
                    + c + ", " + h + ", " + w + "] and kernel " + kh + "x" + kw);
        }
        if (strideH < 1 || strideW < 1 || dilationH < 1 || dilationW < 1 || padH < 0 || padW < 0) {
            throw new IllegalArgumentException("pool2d: stride and dilation must be >= 1 and padding >= 0, got stride ("
                    + strideH + ", " + strideW + "), padding (" + padH + ", " + padW + "), dilation (" + dilationH
                    + ", " + dilationW + ")");
        }
        if (2 * padH > kh || 2 * padW > kw) {
            throw new IllegalArgumentException("pool2d: padding (" + padH + ", " + padW
                    + ") should be at most half of the kernel size " + kh + "x" + kw);
        }
        if (h + 2 * padH - dilationH * (kh - 1) - 1 < 0 || w + 2 * padW - dilationW * (kw - 1) - 1 < 0) {
            throw new IllegalArgumentException("pool2d: window " + kh + "x" + kw + " with dilation (" + dilationH + ", "
                    + dilationW + ") is larger than the padded input " + (h + 2 * padH) + "x" + (w + 2 * padW));
        }
    }

    /** A square window with equal stride, padding and dilation on both axes. */
    public static Pool2dGeometry of(int n, int c, int h, int w, int k, int stride, int pad, int dilation) {
        return new Pool2dGeometry(n, c, h, w, k, k, stride, stride, pad, pad, dilation, dilation);
    }

    /** Output height. */
    public int outH() {
        return (h + 2 * padH - dilationH * (kh - 1) - 1) / strideH + 1;
    }

    /** Output width. */
    public int outW() {
        return (w + 2 * padW - dilationW * (kw - 1) - 1) / strideW + 1;
    }

    /** Elements of the input. */
    public int inputSize() {
        return n * c * h * w;
    }

    /** Elements of the output. */
    public int outputSize() {
        return n * c * outH() * outW();
    }
}
