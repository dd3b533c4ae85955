package io.sparkgrad.nn;

import io.sparkgrad.tensor.Shape;

/**
 * The sizes of one 2-D convolution, validated once so that the kernels can trust them: input {@code [n, c, h, w]},
 * weight {@code [outC, c/groups, kH, kW]}, output {@code [n, outC, oH, oW]}.
 */
record ConvGeometry(int n, int c, int h, int w, int outC, int kH, int kW, int sH, int sW, int pH, int pW, int dH, int dW,
        int groups, int oH, int oW) {

    /** Input channels per group. */
    int cPerGroup() {
        return c / groups;
    }

    /** Output channels per group. */
    int outPerGroup() {
        return outC / groups;
    }

    /**
     * Checks a 4-D input shape against a weight shape and the hyperparameters, with PyTorch's messages, and computes the
     * output size {@code floor((h + 2p - d*(k-1) - 1)/s) + 1}.
     */
    static ConvGeometry of(int[] x, int[] weight, int[] stride, int[] padding, int[] dilation, int groups) {
        if (weight.length != 4) {
            throw new IllegalArgumentException("conv2d: expected a 4-dimensional weight [out_channels, in_channels/groups, kH, kW] "
                    + "for input " + Shape.format(x) + ", but got weight of size " + Shape.format(weight));
        }
        if (groups < 1) {
            throw new IllegalArgumentException("conv2d: groups must be a positive integer, got " + groups);
        }
        positive(stride, "stride");
        positive(dilation, "dilation");
        if (padding[0] < 0 || padding[1] < 0) {
            throw new IllegalArgumentException("conv2d: negative padding is not supported, got " + Shape.format(padding));
        }
        int outC = weight[0];
        if (outC % groups != 0) {
            throw new IllegalArgumentException("conv2d: weight of size " + Shape.format(weight) + " has " + outC
                    + " output channels, which is not divisible by groups=" + groups);
        }
        if (x[1] != weight[1] * groups) {
            throw new IllegalArgumentException("Given groups=" + groups + ", weight of size " + Shape.format(weight) + ", expected input"
                    + Shape.format(x) + " to have " + weight[1] * groups + " channels, but got " + x[1] + " channels instead");
        }
        int ekH = dilation[0] * (weight[2] - 1) + 1;
        int ekW = dilation[1] * (weight[3] - 1) + 1;
        int padH = x[2] + 2 * padding[0];
        int padW = x[3] + 2 * padding[1];
        if (ekH > padH || ekW > padW || weight[2] < 1 || weight[3] < 1) {
            throw new IllegalArgumentException("conv2d: calculated padded input size per channel: (" + padH + " x " + padW
                    + "). Kernel size: (" + ekH + " x " + ekW + "). Kernel size can't be greater than actual input size (input "
                    + Shape.format(x) + ", weight " + Shape.format(weight) + ", padding " + Shape.format(padding) + ", dilation "
                    + Shape.format(dilation) + ")");
        }
        int oH = (padH - ekH) / stride[0] + 1;
        int oW = (padW - ekW) / stride[1] + 1;
        return new ConvGeometry(x[0], x[1], x[2], x[3], outC, weight[2], weight[3], stride[0], stride[1], padding[0], padding[1],
                dilation[0], dilation[1], groups, oH, oW);
    }

    private static void positive(int[] v, String name) {
        if (v[0] < 1 || v[1] < 1) {
            throw new IllegalArgumentException("conv2d: " + name + " must be positive, got " + Shape.format(v));
        }
    }

    int[] outputShape() {
        return new int[] {n, outC, oH, oW};
    }
}
