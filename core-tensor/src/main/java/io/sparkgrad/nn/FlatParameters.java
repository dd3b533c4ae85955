package io.sparkgrad.nn;

import io.sparkgrad.tensor.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A module's parameters packed into one contiguous float[] and their gradients into another, which is what a
 * distributed trainer sends and receives: every {@link Parameter} of the module stays the same object, but its values
 * become a view of its slice of {@link #data()} and its gradient a view of the same slice of {@link #grad()}, as
 * PyTorch keeps its parameter objects when it flattens them. A module that keeps its parameters in fields (what
 * {@code registerParameter} returns), an optimizer built before packing, or any other holder of a Parameter therefore
 * reads and updates the flat buffers.
 *
 * <p>After {@link #of(Module)}: an in-place update through a Parameter (an optimizer step) is visible in
 * {@code data()}; a write into {@code data()} is visible to the next forward pass; {@code backward()} accumulates
 * into {@code grad()}, and {@link Module#zeroGrad()} zeroes it in place. Setting a parameter's grad to null, or
 * replacing it, detaches that gradient from the flat buffer; views taken of a parameter before packing keep the old
 * storage. Packing a module again moves its parameters into the new buffers, and the earlier FlatParameters is stale.
 *
 * <p>Layout: parameter {@code i} (in {@link Module#parameters()} order, named {@code names().get(i)}) occupies
 * {@code [offsets()[i], offsets()[i+1])}, row-major.
 */
public final class FlatParameters {
    private final float[] data;
    private final float[] grad;
    private final List<String> names;
    private final List<Parameter> parameters;
    private final int[] offsets;

    private FlatParameters(float[] data, float[] grad, List<String> names, List<Parameter> parameters, int[] offsets) {
        this.data = data;
        this.grad = grad;
        this.names = List.copyOf(names);
        this.parameters = List.copyOf(parameters);
        this.offsets = offsets;
    }

    /**
     * Packs {@code module}'s parameters (their current values, and their gradients where they have one, else zeros)
     * into two new flat buffers and re-points each Parameter at its slice. A parameter shared by several modules gets
     * one slice.
     */
    public static FlatParameters of(Module module) {
        Map<String, Parameter> named = module.namedParameters();
        int[] offsets = new int[named.size() + 1];
        long total = 0;
        int i = 0;
        for (Parameter p : named.values()) {
            offsets[i++] = (int) total;
            total += p.numel();
            if (total > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("FlatParameters: the parameters of " + module.getClass().getSimpleName()
                        + " hold more than 2^31-1 floats and cannot share one array");
            }
        }
        offsets[i] = (int) total;
        float[] data = new float[(int) total];
        float[] grad = new float[(int) total];
        i = 0;
        for (Parameter p : named.values()) {
            p.moveInto(data, grad, offsets[i++]);
        }
        return new FlatParameters(data, grad, new ArrayList<>(named.keySet()), new ArrayList<>(named.values()), offsets);
    }

    /** The packed parameter values (live: the parameters are views of this array). */
    public float[] data() {
        return data;
    }

    /** The packed gradients (live: the parameters' grads are views of this array). */
    public float[] grad() {
        return grad;
    }

    /** The number of floats in {@link #data()} and {@link #grad()}. */
    public int size() {
        return data.length;
    }

    /** The parameters' dotted names, in packing order. */
    public List<String> names() {
        return names;
    }

    /** The packed Parameter objects, in packing order (the module's own objects). */
    public List<Parameter> parameters() {
        return parameters;
    }

    /** Where each parameter starts, plus {@link #size()} at the end: parameter {@code i} is {@code [offsets[i], offsets[i+1])}. */
    public int[] offsets() {
        return offsets.clone();
    }

    /** The shape of parameter {@code i}. */
    public int[] shape(int i) {
        return parameters.get(i).shape();
    }

    /**
     * Overwrites all parameter values with {@code src} (a flat array laid out as {@link #data()}, e.g. weights broadcast
     * by a driver). A raw copy: call it between steps, not between a forward pass and its backward.
     */
    public void copyFrom(float[] src) {
        requireLength(src, "copyFrom");
        System.arraycopy(src, 0, data, 0, data.length);
    }

    /** Copies all parameter values into {@code dst} (same layout as {@link #data()}). */
    public void copyTo(float[] dst) {
        requireLength(dst, "copyTo");
        System.arraycopy(data, 0, dst, 0, data.length);
    }

    /** Sets every gradient to zero in place. */
    public void zeroGrad() {
        Arrays.fill(grad, 0f);
    }

    private void requireLength(float[] a, String op) {
        if (a == null || a.length != data.length) {
            throw new IllegalArgumentException("FlatParameters." + op + ": expected an array of " + data.length + " floats (parameters "
                    + names + "), got " + (a == null ? "null" : a.length + " floats"));
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("FlatParameters(size=").append(data.length);
        for (int i = 0; i < names.size(); i++) {
            sb.append(", ").append(names.get(i)).append(Shape.format(parameters.get(i).shape())).append('@').append(offsets[i]);
        }
        return sb.append(')').toString();
    }
}
