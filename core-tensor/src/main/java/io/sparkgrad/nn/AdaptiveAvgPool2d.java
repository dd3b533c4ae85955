package io.sparkgrad.nn;

import io.sparkgrad.kernel.AdaptiveAvgPool2dKernel;
import io.sparkgrad.tensor.Tensor;

/**
 * Average pooling to a fixed output size, as {@code torch.nn.AdaptiveAvgPool2d}, computed by {@link F#adaptiveAvgPool2d}.
 *
 * <p>Shape: input {@code [N, C, H, W]}, output {@code [N, C, outH, outW]}.
 */
public final class AdaptiveAvgPool2d extends Module {
    private final int[] outputSize;
    private final boolean tuple;

    /** Output {@code size x size} (the tutorial's {@code AdaptiveAvgPool2d(1)}). */
    public AdaptiveAvgPool2d(int size) {
        this(size, size, false);
    }

    public AdaptiveAvgPool2d(int outH, int outW) {
        this(outH, outW, true);
    }

    private AdaptiveAvgPool2d(int outH, int outW, boolean tuple) {
        AdaptiveAvgPool2dKernel.checkOutputSize("AdaptiveAvgPool2d", outH, outW);
        this.outputSize = new int[] {outH, outW};
        this.tuple = tuple;
    }

    /** The output's {@code (height, width)}. */
    public int[] outputSize() {
        return outputSize.clone();
    }

    @Override
    public Tensor forward(Tensor input) {
        return F.adaptiveAvgPool2d(input, outputSize[0], outputSize[1]);
    }

    @Override
    protected String extraRepr() {
        return "output_size=" + pyPair(outputSize, tuple);
    }
}
