package io.sparkgrad.nn;

import io.sparkgrad.kernel.Conv2dGeometry;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import java.util.Objects;

/**
 * 2-D convolution (cross-correlation), as {@code torch.nn.Conv2d}, computed by {@link F#conv2d}.
 *
 * <p>Shape: input {@code [N, in, H, W]}, output {@code [N, out, oH, oW]} with
 * {@code oH = floor((H + 2*padding - dilation*(kH-1) - 1)/stride) + 1}; weight {@code [out, in/groups, kH, kW]}, bias
 * {@code [out]}. Initialised as PyTorch does: uniform in {@code (-1/sqrt(fan_in), 1/sqrt(fan_in))} with
 * {@code fan_in = in/groups * kH * kW}.
 *
 * <p>For non-square settings or a specific generator use {@link #builder(int, int, int...)}.
 */
public final class Conv2d extends WeightAndBias {
    private final int inChannels;
    private final int outChannels;
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;
    private final int groups;

    /** Stride 1, no padding. */
    public Conv2d(int inChannels, int outChannels, int kernel) {
        this(builder(inChannels, outChannels, kernel));
    }

    /** The tutorial's form: {@code Conv2d(1, 16, 3, 2, 1)} is kernel 3, stride 2, padding 1. */
    public Conv2d(int inChannels, int outChannels, int kernel, int stride, int padding) {
        this(builder(inChannels, outChannels, kernel).stride(stride).padding(padding));
    }

    public Conv2d(int inChannels, int outChannels, int kernel, int stride, int padding, int dilation, int groups, boolean bias) {
        this(builder(inChannels, outChannels, kernel).stride(stride).padding(padding).dilation(dilation).groups(groups).bias(bias));
    }

    private Conv2d(Builder b) {
        super(weightShape(b), b.bias, b.generator);
        this.inChannels = b.inChannels;
        this.outChannels = b.outChannels;
        this.kernel = b.kernel;
        this.stride = b.stride;
        this.padding = b.padding;
        this.dilation = b.dilation;
        this.groups = b.groups;
    }

    /** {@code [out, in/groups, kH, kW]}, after checking the settings. */
    private static int[] weightShape(Builder b) {
        Conv2dGeometry.checkSettings("Conv2d", b.inChannels, b.outChannels, b.kernel, b.stride, b.padding, b.dilation, b.groups);
        return new int[] {b.outChannels, b.inChannels / b.groups, b.kernel[0], b.kernel[1]};
    }

    /** Starts a builder for a convolution with the given channels and kernel size (one value, or height and width). */
    public static Builder builder(int inChannels, int outChannels, int... kernel) {
        return new Builder(inChannels, outChannels, Dense.pair(kernel, "Conv2d", "kernel_size"));
    }

    public int inChannels() {
        return inChannels;
    }

    public int outChannels() {
        return outChannels;
    }

    public int groups() {
        return groups;
    }

    public int[] kernelSize() {
        return kernel.clone();
    }

    public int[] stride() {
        return stride.clone();
    }

    public int[] padding() {
        return padding.clone();
    }

    public int[] dilation() {
        return dilation.clone();
    }

    @Override
    public Tensor forward(Tensor input) {
        return F.conv2d(input, weight(), bias(), stride, padding, dilation, groups);
    }

    /**
     * {@link #forward}, or {@code relu(forward(input))} in one pass when {@code relu} is set (a {@code Conv2d}
     * directly followed by a {@link ReLU}), as {@link Sequential} runs it. With {@code lanesOut} (the next module is a
     * {@code Conv2d} too) the output may come as a strided view in lanes over samples, which that convolution reads in
     * place ({@link LaneConvolution}); the values and gradients are the same either way.
     */
    Tensor forwardInChain(Tensor input, boolean relu, boolean lanesOut) {
        return Convolution.conv2d(input, weight(), bias(), stride, padding, dilation, groups, relu, lanesOut);
    }

    @Override
    protected String extraRepr() {
        StringBuilder sb = new StringBuilder().append(inChannels).append(", ").append(outChannels).append(", kernel_size=")
                .append(pyPair(kernel, true)).append(", stride=").append(pyPair(stride, true));
        if (padding[0] != 0 || padding[1] != 0) {
            sb.append(", padding=").append(pyPair(padding, true));
        }
        if (dilation[0] != 1 || dilation[1] != 1) {
            sb.append(", dilation=").append(pyPair(dilation, true));
        }
        if (groups != 1) {
            sb.append(", groups=").append(groups);
        }
        if (bias() == null) {
            sb.append(", bias=False");
        }
        return sb.toString();
    }

    /** The settings of a {@link Conv2d}, each defaulting as in PyTorch (stride 1, padding 0, dilation 1, one group, bias). */
    public static final class Builder {
        private final int inChannels;
        private final int outChannels;
        private final int[] kernel;
        private int[] stride = {1, 1};
        private int[] padding = {0, 0};
        private int[] dilation = {1, 1};
        private int groups = 1;
        private boolean bias = true;
        private Generator generator = Generator.global();

        private Builder(int inChannels, int outChannels, int[] kernel) {
            this.inChannels = inChannels;
            this.outChannels = outChannels;
            this.kernel = kernel;
        }

        /** One value for both dimensions, or height and width. */
        public Builder stride(int... stride) {
            this.stride = Dense.pair(stride, "Conv2d", "stride");
            return this;
        }

        /** Zero padding on both sides; one value for both dimensions, or height and width. */
        public Builder padding(int... padding) {
            this.padding = Dense.pair(padding, "Conv2d", "padding");
            return this;
        }

        public Builder dilation(int... dilation) {
            this.dilation = Dense.pair(dilation, "Conv2d", "dilation");
            return this;
        }

        public Builder groups(int groups) {
            this.groups = groups;
            return this;
        }

        public Builder bias(boolean bias) {
            this.bias = bias;
            return this;
        }

        /** The generator that draws the initial weights (default: {@link Generator#global()}). */
        public Builder generator(Generator generator) {
            this.generator = Objects.requireNonNull(generator, "generator");
            return this;
        }

        public Conv2d build() {
            return new Conv2d(this);
        }
    }
}
