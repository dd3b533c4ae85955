package io.sparkgrad.nn;

import io.sparkgrad.tensor.Tensor;

/** {@code max(x, 0)} elementwise, as {@code torch.nn.ReLU}. Shape: any; output like the input. */
public final class ReLU extends Module {
    @Override
    public Tensor forward(Tensor input) {
        return F.relu(input);
    }
}
