package io.sparkgrad.nn;

import io.sparkgrad.tensor.Tensor;

/** {@code x > 0 ? x : negativeSlope * x} elementwise, as {@code torch.nn.LeakyReLU}. Shape: any; output like the input. */
public final class LeakyReLU extends Module {
    private final float negativeSlope;

    /** {@code negative_slope = 0.01}. */
    public LeakyReLU() {
        this(0.01f);
    }

    public LeakyReLU(float negativeSlope) {
        if (!Float.isFinite(negativeSlope)) {
            throw new IllegalArgumentException("LeakyReLU: negative_slope must be finite, got " + negativeSlope);
        }
        this.negativeSlope = negativeSlope;
    }

    public float negativeSlope() {
        return negativeSlope;
    }

    @Override
    public Tensor forward(Tensor input) {
        return F.leakyRelu(input, negativeSlope);
    }

    @Override
    protected String extraRepr() {
        return "negative_slope=" + negativeSlope;
    }
}
