package io.sparkgrad.trainer;

import java.util.Arrays;

/**
 * One named tensor inside a model's flat parameter buffer, as PyTorch names it in a state dict
 * (for example {@code 0.weight} with shape {@code [16, 1, 3, 3]}). Checkpoints write each slice as its own
 * safetensors tensor, so a checkpoint loads in PyTorch with the model's own names.
 *
 * @param name   state-dict name
 * @param offset first index of the tensor in the flat buffer
 * @param shape  tensor shape; its product is the number of floats the slice spans
 */
public record ParameterSlice(String name, int offset, int[] shape) {

    public ParameterSlice {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("parameter slice needs a name");
        }
        if (offset < 0) {
            throw new IllegalArgumentException("parameter slice " + name + " has negative offset " + offset);
        }
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("parameter slice " + name + " has negative dimension in " + Arrays.toString(shape));
            }
        }
        shape = shape.clone();
    }

    /** Number of floats of the slice (the product of its shape). */
    public int size() {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return Math.toIntExact(n);
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + "@" + offset;
    }
}
