package io.sparkgrad.trainer.ml;

import io.sparkgrad.nn.FlatParameters;
import io.sparkgrad.nn.Module;
import io.sparkgrad.nn.Sequential;
import io.sparkgrad.nn.spec.ModelSpec;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;

/**
 * A spec's network with given weights, in evaluation mode, for inference: built once per partition (or once per
 * model on the driver) and used by one thread at a time.
 */
final class Network {
    private final Sequential module;
    private final int[] inputShape;

    /**
     * @param layers     the model spec
     * @param inputShape the shape of one sample
     * @param weights    the flat parameters in the order of the spec's state dict (as the trainer's replicas hold them)
     * @throws IllegalArgumentException when the weights do not fit the spec
     */
    Network(String layers, int[] inputShape, float[] weights) {
        this.module = ModelSpec.parse(layers).build(new Generator(0), new Generator(0), inputShape);
        FlatParameters flat = FlatParameters.of(module);
        if (flat.size() != weights.length) {
            throw new IllegalArgumentException("model spec '" + layers + "' has " + flat.size() + " parameters but the weights hold "
                    + weights.length);
        }
        flat.copyFrom(weights);
        module.eval();
        this.inputShape = inputShape.clone();
    }

    /** The module, holding the weights. */
    Sequential module() {
        return module;
    }

    /** The flat parameters of {@code module} in the trainer's order (its state dict's). */
    static float[] flatWeights(Module module) {
        return FlatParameters.of(module).data().clone();
    }

    /** The logits of {@code n} samples stored sample-major at the start of {@code x}: {@code n * k} floats. */
    float[] forward(float[] x, int n) {
        int[] shape = new int[inputShape.length + 1];
        shape[0] = n;
        System.arraycopy(inputShape, 0, shape, 1, inputShape.length);
        try (var noGrad = Tensor.noGrad()) {
            return module.forward(Tensor.wrap(x, 0, shape)).toFloatArray();
        }
    }

    /** Replaces the logits {@code v} with their softmax, computed stably in double. */
    static void softmaxInPlace(double[] v) {
        double max = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            max = Math.max(max, x);
        }
        double sum = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.exp(v[i] - max);
            sum += v[i];
        }
        for (int i = 0; i < v.length; i++) {
            v[i] /= sum;
        }
    }
}
