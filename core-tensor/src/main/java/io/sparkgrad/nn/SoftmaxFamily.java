package io.sparkgrad.nn;

import io.sparkgrad.tensor.Tensor;

/** What {@link Softmax} and {@link LogSoftmax} share: PyTorch's {@code dim} argument, the forward along it, and how it prints. */
abstract class SoftmaxFamily extends Module {
    /** A function of the input and the dimension its slices run along ({@link F#softmax}, {@link F#logSoftmax}). */
    interface AlongDim {
        Tensor apply(Tensor input, int dim);
    }

    private final int dim;
    private final AlongDim fn;

    SoftmaxFamily(int dim, AlongDim fn) {
        this.dim = dim;
        this.fn = fn;
    }

    /** The dimension the slices run along, counting the batch dimension as PyTorch does. */
    public final int dim() {
        return dim;
    }

    @Override
    public final Tensor forward(Tensor input) {
        return fn.apply(input, dim);
    }

    @Override
    protected final String extraRepr() {
        return "dim=" + dim;
    }
}
