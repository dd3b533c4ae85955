package io.sparkgrad.nn;

import io.sparkgrad.tensor.Tensor;

/**
 * {@code x * Phi(x)} elementwise ({@code Phi} the standard normal CDF), as {@code torch.nn.GELU()} with its default
 * exact (erf) form. Shape: any; output like the input.
 */
public final class GELU extends Module {
    @Override
    public Tensor forward(Tensor input) {
        return F.gelu(input);
    }

    @Override
    protected String extraRepr() {
        return "approximate='none'";
    }
}
