package io.sparkgrad.nn;

import io.sparkgrad.tensor.Tensor;

/**
 * Average pooling, as {@code torch.nn.AvgPool2d} (ceil_mode false, count_include_pad true), computed by
 * {@link F#avgPool2d}.
 *
 * <p>Shape: input {@code [N, C, H, W]}, output {@code [N, C, oH, oW]} with {@code oH = floor((H + 2*padding - k)/stride) + 1}.
 */
public final class AvgPool2d extends Module {
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final boolean tuples;

    /** Stride = kernel, no padding. */
    public AvgPool2d(int kernel) {
        this(kernel, kernel, 0);
    }

    public AvgPool2d(int kernel, int stride, int padding) {
        this(new int[] {kernel, kernel}, new int[] {stride, stride}, new int[] {padding, padding}, false);
    }

    /** Per-dimension (height, width) settings; a null stride is the kernel size. */
    public AvgPool2d(int[] kernel, int[] stride, int[] padding) {
        this(Dense.pair(kernel, "AvgPool2d", "kernel_size"), stride == null ? Dense.pair(kernel, "AvgPool2d", "kernel_size")
                : Dense.pair(stride, "AvgPool2d", "stride"), Dense.pair(padding, "AvgPool2d", "padding"), true);
    }

    private AvgPool2d(int[] kernel, int[] stride, int[] padding, boolean tuples) {
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.tuples = tuples;
    }

    @Override
    public Tensor forward(Tensor input) {
        return F.avgPool2d(input, kernel, stride, padding);
    }

    @Override
    protected String extraRepr() {
        return "kernel_size=" + pyPair(kernel, tuples) + ", stride=" + pyPair(stride, tuples) + ", padding=" + pyPair(padding, tuples);
    }
}
