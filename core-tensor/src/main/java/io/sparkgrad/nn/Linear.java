package io.sparkgrad.nn;

import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;

/**
 * {@code y = x @ weight^T + bias}, as {@code torch.nn.Linear}.
 *
 * <p>Shape: input {@code [*, in]}, output {@code [*, out]}; weight {@code [out, in]}, bias {@code [out]}. Initialised
 * as PyTorch does: weight and bias uniform in {@code (-1/sqrt(in), 1/sqrt(in))}.
 */
public final class Linear extends WeightAndBias {
    private final int inFeatures;
    private final int outFeatures;

    public Linear(int inFeatures, int outFeatures) {
        this(inFeatures, outFeatures, true);
    }

    public Linear(int inFeatures, int outFeatures, boolean bias) {
        this(inFeatures, outFeatures, bias, Generator.global());
    }

    /** A layer whose initial values are drawn from {@code gen}. */
    public Linear(int inFeatures, int outFeatures, boolean bias, Generator gen) {
        super(weightShape(inFeatures, outFeatures), bias, gen);
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
    }

    /** {@code [out, in]}, after checking both are positive. */
    private static int[] weightShape(int inFeatures, int outFeatures) {
        if (inFeatures < 1 || outFeatures < 1) {
            throw new IllegalArgumentException("Linear: in_features and out_features must be positive, got " + inFeatures + " and "
                    + outFeatures);
        }
        return new int[] {outFeatures, inFeatures};
    }

    public int inFeatures() {
        return inFeatures;
    }

    public int outFeatures() {
        return outFeatures;
    }

    @Override
    public Tensor forward(Tensor input) {
        return F.linear(input, weight(), bias());
    }

    @Override
    protected String extraRepr() {
        return "in_features=" + inFeatures + ", out_features=" + outFeatures + ", bias=" + py(bias() != null);
    }
}
