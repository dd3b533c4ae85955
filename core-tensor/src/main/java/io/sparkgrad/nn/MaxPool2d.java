package io.sparkgrad.nn;

import io.sparkgrad.tensor.Tensor;

/**
 * Max pooling, as {@code torch.nn.MaxPool2d} (ceil_mode false), computed by {@link F#maxPool2d}.
 *
 * <p>Shape: input {@code [N, C, H, W]}, output {@code [N, C, oH, oW]} with
 * {@code oH = floor((H + 2*padding - dilation*(k-1) - 1)/stride) + 1}.
 */
public final class MaxPool2d extends Module {
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;
    private final boolean tuples;

    /** Stride = kernel, no padding, dilation 1. */
    public MaxPool2d(int kernel) {
        this(kernel, kernel, 0, 1);
    }

    public MaxPool2d(int kernel, int stride, int padding, int dilation) {
        this(new int[] {kernel, kernel}, new int[] {stride, stride}, new int[] {padding, padding}, new int[] {dilation, dilation}, false);
    }

    /** Per-dimension (height, width) settings; a null stride is the kernel size. */
    public MaxPool2d(int[] kernel, int[] stride, int[] padding, int[] dilation) {
        this(Dense.pair(kernel, "MaxPool2d", "kernel_size"), stride == null ? Dense.pair(kernel, "MaxPool2d", "kernel_size")
                : Dense.pair(stride, "MaxPool2d", "stride"), Dense.pair(padding, "MaxPool2d", "padding"),
                Dense.pair(dilation, "MaxPool2d", "dilation"), true);
    }

    private MaxPool2d(int[] kernel, int[] stride, int[] padding, int[] dilation, boolean tuples) {
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.tuples = tuples;
    }

    @Override
    public Tensor forward(Tensor input) {
        return F.maxPool2d(input, kernel, stride, padding, dilation);
    }

    @Override
    protected String extraRepr() {
        return "kernel_size=" + pyPair(kernel, tuples) + ", stride=" + pyPair(stride, tuples) + ", padding=" + pyPair(padding, tuples)
                + ", dilation=" + pyPair(dilation, tuples) + ", ceil_mode=False";
    }
}
