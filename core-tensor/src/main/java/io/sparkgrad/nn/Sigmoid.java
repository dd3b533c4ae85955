package io.sparkgrad.nn;

import io.sparkgrad.tensor.Tensor;

/** {@code 1 / (1 + exp(-x))} elementwise, as {@code torch.nn.Sigmoid}. Shape: any; output like the input. */
public final class Sigmoid extends Module {
    @Override
    public Tensor forward(Tensor input) {
        return F.sigmoid(input);
    }
}
