package io.sparkgrad.nn;

import io.sparkgrad.tensor.Tensor;

/**
 * A tensor that a {@link Module} owns and an optimizer updates: a leaf that requires grad, sharing storage with the
 * tensor it was made from (as {@code torch.nn.Parameter}).
 */
public final class Parameter extends Tensor {

    public Parameter(Tensor data) {
        super(data.detach());
        requiresGrad(true);
    }
}
