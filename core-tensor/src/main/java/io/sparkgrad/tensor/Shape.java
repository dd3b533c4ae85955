package io.sparkgrad.tensor;

import java.util.Arrays;

/** Shape arithmetic shared by the ops: element counts, strides, broadcasting, dimension wrapping, formatting. */
public final class Shape {
    private Shape() {
    }

    /** Number of elements of a tensor of this shape (1 for a scalar). */
    public static int numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor of shape " + format(shape) + " has more than 2^31-1 elements");
        }
        return (int) n;
    }

    /** Row-major (C order) strides for this shape. */
    public static int[] contiguousStrides(int[] shape) {
        int[] strides = new int[shape.length];
        int s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = s;
            s *= Math.max(shape[i], 1);
        }
        return strides;
    }

    /** Wraps a possibly negative dimension index into {@code [0, rank)}, with PyTorch's message when out of range. */
    public static int wrapDim(int dim, int rank) {
        int r = Math.max(rank, 1);
        if (dim < -r || dim >= r) {
            throw new IndexOutOfBoundsException("Dimension out of range (expected to be in range of [" + (-r) + ", " + (r - 1)
                    + "], but got " + dim + ")");
        }
        return dim < 0 ? dim + r : dim;
    }

    /**
     * A shape seen as {@code [outer, size, inner]} around one dimension, the view the reductions and the softmax family
     * loop over: {@code outer} is the product of the sizes before {@code dim}, {@code size} the size of {@code dim} (1
     * for a 0-d shape) and {@code inner} the product of the sizes after it.
     *
     * @param dim the dimension, wrapped into {@code [0, rank)}
     */
    public record Split(int dim, int outer, int size, int inner) {
    }

    /** {@code shape} split around {@code dim}, a possibly negative index wrapped as by {@link #wrapDim}. */
    public static Split split(int[] shape, int dim) {
        int d = wrapDim(dim, shape.length);
        int outer = 1;
        int inner = 1;
        for (int i = 0; i < d; i++) {
            outer *= shape[i];
        }
        for (int i = d + 1; i < shape.length; i++) {
            inner *= shape[i];
        }
        return new Split(d, outer, shape.length == 0 ? 1 : shape[d], inner);
    }

    /** The broadcast shape of two shapes (NumPy/PyTorch rules), or an error naming both. */
    public static int[] broadcast(int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("The size of tensor a (" + da + ") must match the size of tensor b (" + db
                        + ") at non-singleton dimension " + i + " (shapes " + format(a) + " and " + format(b) + ")");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /**
     * Strides that read a tensor of shape {@code shape} and strides {@code strides} as if it had the (broadcast) shape
     * {@code target}: broadcast dimensions get stride 0.
     */
    public static int[] broadcastStrides(int[] shape, int[] strides, int[] target) {
        int[] out = new int[target.length];
        int shift = target.length - shape.length;
        for (int i = 0; i < shape.length; i++) {
            out[i + shift] = shape[i] == 1 && target[i + shift] != 1 ? 0 : strides[i];
        }
        return out;
    }

    /** Formats a shape as PyTorch prints it: {@code [64, 784]}. */
    public static String format(int[] shape) {
        return Arrays.toString(shape);
    }

    /** Formats a 2-D shape as PyTorch's matmul error does: {@code 64x784}. */
    static String formatX(int[] shape) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                sb.append('x');
            }
            sb.append(shape[i]);
        }
        return sb.toString();
    }

    /** Resolves a shape with at most one -1 against a number of elements, as view/reshape do. */
    static int[] infer(int[] requested, int numel, int[] from) {
        int[] shape = requested.clone();
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == -1) {
                if (unknown >= 0) {
                    throw new IllegalArgumentException("only one dimension can be inferred (shape " + format(requested) + ")");
                }
                unknown = i;
            } else if (shape[i] < 0) {
                throw new IllegalArgumentException("invalid shape dimension " + shape[i] + " in " + format(requested));
            } else {
                known *= shape[i];
            }
        }
        if (unknown >= 0) {
            if (known == 0 || numel % known != 0) {
                throw new IllegalArgumentException("shape '" + format(requested) + "' is invalid for input of size " + numel
                        + " (shape " + format(from) + ")");
            }
            shape[unknown] = (int) (numel / known);
        } else if (known != numel) {
            throw new IllegalArgumentException("shape '" + format(requested) + "' is invalid for input of size " + numel
                    + " (shape " + format(from) + ")");
        }
        return shape;
    }
}
