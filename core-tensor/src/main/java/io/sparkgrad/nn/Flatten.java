package io.sparkgrad.nn;

import io.sparkgrad.tensor.Tensor;

/**
 * Flattens dimensions {@code startDim..endDim} into one, as {@code torch.nn.Flatten}; the default keeps the batch
 * dimension: {@code [N, C, H, W] -> [N, C*H*W]}.
 */
public final class Flatten extends Module {
    private final int startDim;
    private final int endDim;

    /** {@code start_dim=1, end_dim=-1}. */
    public Flatten() {
        this(1, -1);
    }

    public Flatten(int startDim, int endDim) {
        this.startDim = startDim;
        this.endDim = endDim;
    }

    /** {@code {start_dim, end_dim}}: the first and last dimensions flattened (negative ones count from the end). */
    public int[] flattenedDims() {
        return new int[] {startDim, endDim};
    }

    @Override
    public Tensor forward(Tensor input) {
        return F.flatten(input, startDim, endDim);
    }

    @Override
    protected String extraRepr() {
        return "start_dim=" + startDim + ", end_dim=" + endDim;
    }
}
