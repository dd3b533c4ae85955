package io.sparkgrad.kernel;

/**
 * The sizes of one 2-D convolution, as PyTorch's {@code F.conv2d} sees them: input {@code [n, c, h, w]} (NCHW),
 * weight {@code [o, c / groups, kh, kw]}, output {@code [n, o, outH, outW]} with
 * {@code outH = floor((h + 2 padH - dilationH (kh - 1) - 1) / strideH) + 1} (likewise outW). Zero padding on both
 * sides.
 *
 * @param n batch size
 * @param c input channels
 * @param h input height
 * @param w input width
 * @param o output channels
 * @param kh kernel height
 * @param kw kernel width
 * @param strideH vertical stride
 * @param strideW horizontal stride
 * @param padH zero rows added above and below
 * @param padW zero columns added left and right
 * @param dilationH vertical spacing of kernel taps
 * @param dilationW horizontal spacing of kernel taps
 * @param groups channel groups; {@code c} and {@code o} must both be multiples of it
 */
public record Conv2dGeometry(int n, int c, int h, int w, int o, int kh, int kw, int strideH, int strideW, int padH,
        int padW, int dilationH, int dilationW, int groups) {

    /** Validates every size and that the output is at least 1 x 1; the message names the offending values. */
    public Conv2dGeometry {
        if (n < 0 || c < 1 || h < 1 || w < 1 || o < 1 || kh < 1 || kw < 1) {
            throw new IllegalArgumentException("conv2d: sizes must be positive (batch may be 0), got input ["
                    + n + ", " + c + ", " + h + ", " + w + "] and weight [" + o + ", " + c + "/" + groups + ", " + kh
                    + ", " + kw + "]");
        }
        if (strideH < 1 || strideW < 1 || dilationH < 1 || dilationW < 1 || padH < 0 || padW < 0) {
            throw new IllegalArgumentException("conv2d: stride and dilation must be >= 1 and padding >= 0, got stride ("
                    + strideH + ", " + strideW + "), padding (" + padH + ", " + padW + "), dilation (" + dilationH
                    + ", " + dilationW + ")");
        }
        if (groups < 1 || c % groups != 0 || o % groups != 0) {
            throw new IllegalArgumentException("conv2d: groups=" + groups + " must be >= 1 and divide both in_channels="
                    + c + " and out_channels=" + o);
        }
        int eh = h + 2 * padH - dilationH * (kh - 1) - 1;
        int ew = w + 2 * padW - dilationW * (kw - 1) - 1;
        if (eh < 0 || ew < 0) {
            throw new IllegalArgumentException("conv2d: kernel " + kh + "x" + kw + " with dilation (" + dilationH + ", "
                    + dilationW + ") is larger than the padded input " + (h + 2 * padH) + "x" + (w + 2 * padW));
        }
    }

    /** A square geometry with equal stride, padding and dilation on both axes. */
    public static Conv2dGeometry of(int n, int c, int h, int w, int o, int k, int stride, int pad, int dilation,
            int groups) {
        return new Conv2dGeometry(n, c, h, w, o, k, k, stride, stride, pad, pad, dilation, dilation, groups);
    }

    /** Output height. */
    public int outH() {
        return (h + 2 * padH - dilationH * (kh - 1) - 1) / strideH + 1;
    }

    /** Output width. */
    public int outW() {
        return (w + 2 * padW - dilationW * (kw - 1) - 1) / strideW + 1;
    }

    /** Input channels per group. */
    public int cPerGroup() {
        return c / groups;
    }

    /** Output channels per group. */
    public int oPerGroup() {
        return o / groups;
    }

    /** Elements of the input, {@code n * c * h * w}. */
    public int inputSize() {
        return n * c * h * w;
    }

    /** Elements of the weight, {@code o * (c / groups) * kh * kw}. */
    public int weightSize() {
        return o * cPerGroup() * kh * kw;
    }

    /** Elements of the output, {@code n * o * outH * outW}. */
    public int outputSize() {
        return n * o * outH() * outW();
    }

    /** Multiply-adds of the forward pass. */
    public long forwardMacs() {
        return (long) n * o * outH() * outW() * cPerGroup() * kh * kw;
    }
}
