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

    /** Validates every size and that the output is at least 1 x 1; the message names the offending values and shapes. */
    public Conv2dGeometry {
        check("conv2d", n, c, h, w, o, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, groups);
    }

    /**
     * The geometry of {@code F.conv2d} from the tensors' shapes: input {@code [n, c, h, w]}, weight
     * {@code [o, c / groups, kh, kw]}, stride, padding and dilation as (height, width) pairs. This is the one place the
     * sizes of a convolution are checked; the messages are PyTorch's and name the input and weight shapes.
     *
     * @throws IllegalArgumentException when the weight is not 4-D, its channels do not match the input's, or
     *         {@link #Conv2dGeometry the sizes} are invalid
     */
    public static Conv2dGeometry of(int[] input, int[] weight, int[] stride, int[] padding, int[] dilation, int groups) {
        if (input.length != 4) {
            throw new IllegalArgumentException("conv2d: expected a 4-dimensional input [N, C, H, W], but got input of size "
                    + format(input));
        }
        if (weight.length != 4) {
            throw new IllegalArgumentException("conv2d: expected a 4-dimensional weight [out_channels, in_channels/groups, kH, kW] "
                    + "for input " + format(input) + ", but got weight of size " + format(weight));
        }
        if (groups >= 1 && weight[1] * groups != input[1]) {
            throw new IllegalArgumentException("Given groups=" + groups + ", weight of size " + format(weight) + ", expected input"
                    + format(input) + " to have " + weight[1] * groups + " channels, but got " + input[1] + " channels instead");
        }
        return new Conv2dGeometry(input[0], input[1], input[2], input[3], weight[0], weight[2], weight[3], stride[0], stride[1],
                padding[0], padding[1], dilation[0], dilation[1], groups);
    }

    /**
     * Checks a convolution's settings before any input is seen, as {@code nn.Conv2d}'s constructor does: positive
     * channels, kernel, stride and dilation, padding at least 0, channels divisible by groups. {@code op} starts the
     * message.
     */
    public static void checkSettings(String op, int inChannels, int outChannels, int[] kernel, int[] stride, int[] padding,
            int[] dilation, int groups) {
        checkSettings(op, inChannels, outChannels, kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1], dilation[0],
                dilation[1], groups, null);
    }

    /** {@code input}: {@code {n, h, w}} of the input the settings are checked for, or null before there is one. */
    private static void checkSettings(String op, int c, int o, int kh, int kw, int sH, int sW, int pH, int pW, int dH, int dW,
            int groups, int[] input) {
        if (c < 1 || o < 1) {
            throw new IllegalArgumentException(op + ": in_channels and out_channels must be positive, got " + c + " and " + o
                    + where(input, c, o, kh, kw, groups));
        }
        if (groups < 1) {
            throw new IllegalArgumentException(op + ": groups must be a positive integer, got " + groups + where(input, c, o, kh, kw, groups));
        }
        if (c % groups != 0) {
            throw new IllegalArgumentException(op + ": in_channels (" + c + ") must be divisible by groups (" + groups + ")"
                    + where(input, c, o, kh, kw, groups));
        }
        if (o % groups != 0) {
            throw new IllegalArgumentException(op + ": out_channels (" + o + ") must be divisible by groups (" + groups + ")"
                    + where(input, c, o, kh, kw, groups));
        }
        if (kh < 1 || kw < 1 || sH < 1 || sW < 1 || dH < 1 || dW < 1) {
            throw new IllegalArgumentException(op + ": kernel_size, stride and dilation must be positive, got kernel_size (" + kh + ", "
                    + kw + "), stride (" + sH + ", " + sW + "), dilation (" + dH + ", " + dW + ")" + where(input, c, o, kh, kw, groups));
        }
        if (pH < 0 || pW < 0) {
            throw new IllegalArgumentException(op + ": padding must be non-negative, got (" + pH + ", " + pW + ")"
                    + where(input, c, o, kh, kw, groups));
        }
    }

    private static void check(String op, int n, int c, int h, int w, int o, int kh, int kw, int sH, int sW, int pH, int pW, int dH,
            int dW, int groups) {
        int[] input = {n, h, w};
        checkSettings(op, c, o, kh, kw, sH, sW, pH, pW, dH, dW, groups, input);
        if (n < 0 || h < 1 || w < 1) {
            throw new IllegalArgumentException(op + ": the input's height and width must be positive and its batch at least 0"
                    + where(input, c, o, kh, kw, groups));
        }
        int paddedH = h + 2 * pH;
        int paddedW = w + 2 * pW;
        int ekH = dH * (kh - 1) + 1;
        int ekW = dW * (kw - 1) + 1;
        if (ekH > paddedH || ekW > paddedW) {
            throw new IllegalArgumentException(op + ": calculated padded input size per channel: (" + paddedH + " x " + paddedW
                    + "). Kernel size: (" + ekH + " x " + ekW + "). Kernel size can't be greater than actual input size"
                    + where(input, c, o, kh, kw, groups) + ", padding (" + pH + ", " + pW + "), dilation (" + dH + ", " + dW + ")");
        }
    }

    /** " (input [n, c, h, w], weight [o, c/groups, kh, kw])", or "" without an input. */
    private static String where(int[] input, int c, int o, int kh, int kw, int groups) {
        if (input == null) {
            return "";
        }
        return " (input " + format(input[0], c, input[1], input[2]) + ", weight " + format(o, groups >= 1 ? c / groups : c, kh, kw) + ")";
    }

    private static String format(int... shape) {
        return java.util.Arrays.toString(shape);
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

    /** The output's shape {@code [n, o, outH, outW]}. */
    public int[] outputShape() {
        return new int[] {n, o, outH(), outW()};
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
