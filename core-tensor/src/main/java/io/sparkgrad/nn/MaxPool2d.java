package io.sparkgrad.nn;

import io.sparkgrad.tensor.Tensor;

/**
 * Max pooling, as {@code torch.nn.MaxPool2d} (ceil_mode false), computed by {@link F#maxPool2d}.
 *
 * <p>Shape: input {@code [N, C, H, W]}, output {@code [N, C, oH, oW]} with
 * {@code oH = floor((H + 2*padding - dilation*(k-1) - 1)/stride) + 1}.
 */
public final class MaxPool2d extends Pool2dModule {
    private final int[] dilation;

    /** Stride = kernel, no padding, dilation 1. */
    public MaxPool2d(int kernel) {
        this(kernel, kernel, 0, 1);
    }

    public MaxPool2d(int kernel, int stride, int padding, int dilation) {
        super("MaxPool2d", new int[] {kernel}, new int[] {stride}, new int[] {padding}, false);
        this.dilation = new int[] {dilation, dilation};
    }

    /** Per-dimension (height, width) settings; a null stride is the kernel size. */
    public MaxPool2d(int[] kernel, int[] stride, int[] padding, int[] dilation) {
        super("MaxPool2d", kernel, stride, padding, true);
        this.dilation = Dense.pair(dilation, "MaxPool2d", "dilation");
    }

    /** The spacing of a window's elements, {@code (height, width)}. */
    public int[] dilation() {
        return dilation.clone();
    }

    @Override
    public Tensor forward(Tensor input) {
        return F.maxPool2d(input, kernel, stride, padding, dilation);
    }

    @Override
    protected String extraRepr() {
        return super.extraRepr() + ", dilation=" + repr(dilation) + ", ceil_mode=False";
    }
}
