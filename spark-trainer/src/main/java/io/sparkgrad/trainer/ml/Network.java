package io.sparkgrad.trainer.ml;

import io.sparkgrad.nn.FlatParameters;
import io.sparkgrad.nn.Module;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A spec's network with given weights, in evaluation mode, for inference: built once per partition (or once per
 * model on the driver) and used by one thread at a time.
 */
final class Network {
    private final Module module;
    private final FlatParameters flat;
    private final int[] inputShape;

    /**
     * @param layers     the model spec
     * @param inputShape the shape of one sample
     * @param weights    the flat parameters in the order of the spec's state dict
     * @throws IllegalArgumentException when the weights do not fit the spec
     */
    Network(String layers, int[] inputShape, float[] weights) {
        this.module = SpecModels.build(layers, inputShape, new Generator(0), new Generator(0));
        this.flat = FlatParameters.of(module);
        if (flat.size() != weights.length) {
            throw new IllegalArgumentException("model spec '" + layers + "' has " + flat.size() + " parameters but the weights hold "
                    + weights.length);
        }
        flat.copyFrom(weights);
        module.eval();
        this.inputShape = inputShape.clone();
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

    /** The weights as a state dict by PyTorch name (views of one flat copy). */
    Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        List<String> names = flat.names();
        int[] offsets = flat.offsets();
        float[] data = flat.data().clone();
        for (int i = 0; i < names.size(); i++) {
            out.put(names.get(i), Tensor.wrap(data, offsets[i], flat.shape(i)));
        }
        return out;
    }

    /**
     * The flat weights of a state dict for the spec's network: every tensor by name, shapes checked.
     *
     * @throws IllegalArgumentException naming a missing, unexpected or misshapen tensor
     */
    static float[] flatten(String layers, int[] inputShape, Map<String, Tensor> state, String source) {
        Module m = SpecModels.build(layers, inputShape, new Generator(0), new Generator(0));
        FlatParameters flat = FlatParameters.of(m);
        List<String> names = flat.names();
        if (!state.keySet().equals(new java.util.LinkedHashSet<>(names))) {
            throw new IllegalArgumentException(source + " holds tensors " + state.keySet() + " but model spec '" + layers + "' has "
                    + names);
        }
        float[] out = new float[flat.size()];
        int[] offsets = flat.offsets();
        for (int i = 0; i < names.size(); i++) {
            Tensor t = state.get(names.get(i));
            if (!java.util.Arrays.equals(t.shape(), flat.shape(i))) {
                throw new IllegalArgumentException(source + ": tensor '" + names.get(i) + "' has shape " + java.util.Arrays.toString(t.shape())
                        + " but model spec '" + layers + "' needs " + java.util.Arrays.toString(flat.shape(i)));
            }
            float[] values = t.toFloatArray();
            System.arraycopy(values, 0, out, offsets[i], values.length);
        }
        return out;
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
