package io.sparkgrad.nn;

import io.sparkgrad.tensor.Tensor;

/**
 * Average pooling, as {@code torch.nn.AvgPool2d} (ceil_mode false, count_include_pad true), computed by
 * {@link F#avgPool2d}.
 *
 * <p>Shape: input {@code [N, C, H, W]}, output {@code [N, C, oH, oW]} with {@code oH = floor((H + 2*padding - k)/stride) + 1}.
 */
public final class AvgPool2d extends Pool2dModule {
    /** Stride = kernel, no padding. */
    public AvgPool2d(int kernel) {
        this(kernel, kernel, 0);
    }

    public AvgPool2d(int kernel, int stride, int padding) {
        super("AvgPool2d", new int[] {kernel}, new int[] {stride}, new int[] {padding}, false);
    }

    /** Per-dimension (height, width) settings; a null stride is the kernel size. */
    public AvgPool2d(int[] kernel, int[] stride, int[] padding) {
        super("AvgPool2d", kernel, stride, padding, true);
    }

    @Override
    public Tensor forward(Tensor input) {
        return F.avgPool2d(input, kernel, stride, padding);
    }
}
