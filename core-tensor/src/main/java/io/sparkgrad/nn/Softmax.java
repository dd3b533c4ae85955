package io.sparkgrad.nn;

import io.sparkgrad.tensor.Tensor;

/**
 * {@code exp(x) / sum(exp(x))} along {@code dim}, as {@code torch.nn.Softmax(dim)}, computed stably as
 * {@code exp(log_softmax(x))}. Shape: any; output like the input, each slice along {@code dim} summing to 1.
 */
public final class Softmax extends Module {
    private final int dim;

    public Softmax(int dim) {
        this.dim = dim;
    }

    public int dim() {
        return dim;
    }

    @Override
    public Tensor forward(Tensor input) {
        return F.softmax(input, dim);
    }

    @Override
    protected String extraRepr() {
        return "dim=" + dim;
    }
}
