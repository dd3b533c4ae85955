package io.sparkgrad.nn;

import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;

/**
 * {@code y = x @ weight^T + bias}, as {@code torch.nn.Linear}.
 *
 * <p>Shape: input {@code [*, in]}, output {@code [*, out]}; weight {@code [out, in]}, bias {@code [out]}. Initialised
 * as PyTorch does: weight and bias uniform in {@code (-1/sqrt(in), 1/sqrt(in))}.
 */
public final class Linear extends Module {
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
        if (inFeatures < 1 || outFeatures < 1) {
            throw new IllegalArgumentException("Linear: in_features and out_features must be positive, got " + inFeatures + " and "
                    + outFeatures);
        }
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        registerParameter("weight", new Parameter(Tensor.zeros(outFeatures, inFeatures)));
        registerParameter("bias", bias ? new Parameter(Tensor.zeros(outFeatures)) : null);
        resetParameters(gen);
    }

    /**
     * PyTorch's {@code reset_parameters}: {@code kaiming_uniform_(weight, a=sqrt(5))}, which is uniform with bound
     * {@code 1/sqrt(fan_in)}, and the bias uniform with the same bound.
     */
    public void resetParameters(Generator gen) {
        Init.layerDefaults(weight(), bias(), gen);
    }

    public Parameter weight() {
        return parameter("weight");
    }

    /** The bias, or null for a layer made with {@code bias = false}. */
    public Parameter bias() {
        return parameter("bias");
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
