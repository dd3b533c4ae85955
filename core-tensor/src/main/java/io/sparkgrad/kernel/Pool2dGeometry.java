package io.sparkgrad.kernel;

import java.util.Arrays;

/**
 * The sizes of one 2-D pooling window sweep over an NCHW input {@code [n, c, h, w]}, with {@code ceil_mode=false}:
 * {@code outH = floor((h + 2 padH - dilationH (kh - 1) - 1) / strideH) + 1} (likewise outW). As in PyTorch, the
 * padding may be at most half the effective kernel size {@code dilation * (k - 1) + 1}.
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

    /** Validates the sizes; the message names the offending values and the input's shape. */
    public Pool2dGeometry {
        check("pool2d", n, c, h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW);
    }

    /**
     * The geometry of a pooling op ({@code op}, e.g. {@code max_pool2d}, starts the messages) over an input
     * {@code [n, c, h, w]}, with window, stride, padding and dilation as (height, width) pairs. This is the one place the
     * sizes of a pooling are checked, as PyTorch does: padding at most half the effective window, an output of at
     * least one element.
     */
    public static Pool2dGeometry of(String op, int[] input, int[] kernel, int[] stride, int[] padding, int[] dilation) {
        if (input.length != 4) {
            throw new IllegalArgumentException(op + ": expected a 4-dimensional input [N, C, H, W], but got input of size "
                    + Arrays.toString(input));
        }
        check(op, input[0], input[1], input[2], input[3], kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1],
                dilation[0], dilation[1]);
        return new Pool2dGeometry(input[0], input[1], input[2], input[3], kernel[0], kernel[1], stride[0], stride[1], padding[0],
                padding[1], dilation[0], dilation[1]);
    }

    private static void check(String op, int n, int c, int h, int w, int kh, int kw, int sH, int sW, int pH, int pW, int dH, int dW) {
        if (n < 0 || c < 1 || h < 1 || w < 1) {
            throw new IllegalArgumentException(op + ": expected an input [N, C, H, W] with positive C, H and W, but got input of size "
                    + Arrays.toString(new int[] {n, c, h, w}));
        }
        if (kh < 1 || kw < 1) {
            throw new IllegalArgumentException(op + ": kernel_size must be greater than zero, but got (" + kh + ", " + kw + ")");
        }
        if (sH < 1 || sW < 1) {
            throw new IllegalArgumentException(op + ": stride must be greater than zero, but got (" + sH + ", " + sW + ")");
        }
        if (dH < 1 || dW < 1) {
            throw new IllegalArgumentException(op + ": dilation must be greater than zero, but got (" + dH + ", " + dW + ")");
        }
        checkPadding(op, pH, kh, dH);
        checkPadding(op, pW, kw, dW);
        // floorDiv, not '/': a window larger than the padded input gives a negative numerator.
        int oH = Math.floorDiv(h + 2 * pH - dH * (kh - 1) - 1, sH) + 1;
        int oW = Math.floorDiv(w + 2 * pW - dW * (kw - 1) - 1, sW) + 1;
        if (oH < 1 || oW < 1) {
            throw new IllegalArgumentException(op + ": given input size: (" + c + "x" + h + "x" + w + "). Calculated output size: (" + c
                    + "x" + oH + "x" + oW + "). Output size is too small (input " + Arrays.toString(new int[] {n, c, h, w})
                    + ", kernel_size (" + kh + ", " + kw + "), stride (" + sH + ", " + sW + "), padding (" + pH + ", " + pW
                    + "), dilation (" + dH + ", " + dW + "))");
        }
    }

    /** PyTorch's rule: the padding is at least 0 and at most half the effective window {@code d * (k - 1) + 1}. */
    private static void checkPadding(String op, int pad, int k, int d) {
        int effective = d * (k - 1) + 1;
        if (pad < 0 || pad > effective / 2) {
            throw new IllegalArgumentException(op + (d == 1
                    ? ": pad should be at most half of kernel size, but got pad=" + pad + " and kernel_size=" + k
                    : ": pad should be at most half of effective kernel size, but got pad=" + pad + ", kernel_size=" + k
                            + " and dilation=" + d));
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

    /** The output's shape {@code [n, c, outH, outW]}. */
    public int[] outputShape() {
        return new int[] {n, c, outH(), outW()};
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
