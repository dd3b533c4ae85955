package io.sparkgrad.nn;

import io.sparkgrad.tensor.Tensor;

/** {@code log(softmax(x))} along {@code dim}, computed stably, as {@code torch.nn.LogSoftmax(dim)}. Shape: any; output like the input. */
public final class LogSoftmax extends Module {
    private final int dim;

    public LogSoftmax(int dim) {
        this.dim = dim;
    }

    public int dim() {
        return dim;
    }

    @Override
    public Tensor forward(Tensor input) {
        return F.logSoftmax(input, dim);
    }

    @Override
    protected String extraRepr() {
        return "dim=" + dim;
    }
}
