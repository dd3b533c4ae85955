package io.sparkgrad.nn;

import io.sparkgrad.tensor.Tensor;

/** {@code tanh(x)} elementwise, as {@code torch.nn.Tanh}. Shape: any; output like the input. */
public final class Tanh extends Module {
    @Override
    public Tensor forward(Tensor input) {
        return F.tanh(input);
    }
}
