package io.sparkgrad.nn;

import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;

/**
 * What {@link Linear} and {@link Conv2d} share: a {@code weight} of shape {@code [out, ...]} and an optional
 * {@code bias} of shape {@code [out]} (registered as absent when off), initialised by PyTorch's {@code reset_parameters}.
 */
abstract class WeightAndBias extends Module {

    WeightAndBias(int[] weightShape, boolean bias, Generator gen) {
        registerParameter("weight", new Parameter(Tensor.zeros(weightShape)));
        registerParameter("bias", bias ? new Parameter(Tensor.zeros(weightShape[0])) : null);
        resetParameters(gen);
    }

    /**
     * PyTorch's {@code reset_parameters}: {@code kaiming_uniform_(weight, a=sqrt(5))}, which is uniform with bound
     * {@code 1/sqrt(fan_in)}, and the bias uniform with the same bound.
     */
    public final void resetParameters(Generator gen) {
        Init.layerDefaults(weight(), bias(), gen);
    }

    public final Parameter weight() {
        return parameter("weight");
    }

    /** The bias, or null for a layer made without one. */
    public final Parameter bias() {
        return parameter("bias");
    }
}
