package io.sparkgrad.nn;

import io.sparkgrad.tensor.DType;
import io.sparkgrad.tensor.Shape;
import io.sparkgrad.tensor.Tensor;
import java.util.Arrays;

/** Access to a tensor's elements as one contiguous float[] block for the raw kernels. */
final class Dense {
    private Dense() {
    }

    /**
     * {@code t} itself when it is a contiguous float tensor, else a contiguous copy cut from the graph; read its
     * elements at {@code data()[storageOffset() ...]}.
     */
    static Tensor of(Tensor t, String op, String role) {
        if (t.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException(op + ": " + role + " must be a FLOAT32 tensor, got " + t.dtype() + " of shape "
                    + Shape.format(t.shape()));
        }
        return t.isContiguous() ? t : t.detach().contiguous();
    }

    /** The elements of {@code t} in row-major order as floats: its storage when it is exactly that, else a copy. */
    static float[] rowMajor(Tensor t) {
        boolean exact = t.dtype() == DType.FLOAT32 && t.isContiguous() && t.storageOffset() == 0 && t.data().length == t.numel();
        return exact ? t.data() : t.toFloatArray();
    }

    /** A pair (height, width) from one value (both) or two. */
    static int[] pair(int[] v, String op, String name) {
        if (v == null || v.length < 1 || v.length > 2) {
            throw new IllegalArgumentException(op + ": " + name + " must have one or two values (height, width), got "
                    + (v == null ? "null" : Arrays.toString(v)));
        }
        return v.length == 1 ? new int[] {v[0], v[0]} : v.clone();
    }
}
