package io.sparkgrad.tensor;

/**
 * Walks the elements of a strided view in row-major order. The one place that handles arbitrary strides, so the
 * kernels can assume contiguous inputs and ask for a contiguous copy of anything else.
 */
final class Strided {
    private Strided() {
    }

    /** Copies the strided view (shape, strides, offset) of {@code src} into {@code dst} contiguously from dstOff. */
    static void gather(float[] src, int srcOff, int[] shape, int[] strides, float[] dst, int dstOff) {
        if (Shape.numel(shape) == 0) {
            return;
        }
        Rows r = new Rows(srcOff, shape, strides);
        int out = dstOff;
        do {
            for (int j = 0, p = r.base; j < r.length; j++, p += r.step) {
                dst[out++] = src[p];
            }
        } while (r.next());
    }

    /** Int version of {@link #gather(float[], int, int[], int[], float[], int)}. */
    static void gather(int[] src, int srcOff, int[] shape, int[] strides, int[] dst, int dstOff) {
        if (Shape.numel(shape) == 0) {
            return;
        }
        Rows r = new Rows(srcOff, shape, strides);
        int out = dstOff;
        do {
            for (int j = 0, p = r.base; j < r.length; j++, p += r.step) {
                dst[out++] = src[p];
            }
        } while (r.next());
    }

    /** Writes contiguous {@code src} (from srcOff) into the strided view (shape, strides, offset) of {@code dst}. */
    static void scatter(float[] src, int srcOff, float[] dst, int dstOff, int[] shape, int[] strides) {
        if (Shape.numel(shape) == 0) {
            return;
        }
        Rows r = new Rows(dstOff, shape, strides);
        int in = srcOff;
        do {
            for (int j = 0, p = r.base; j < r.length; j++, p += r.step) {
                dst[p] = src[in++];
            }
        } while (r.next());
    }

    /**
     * The rows along the last dimension of a non-empty strided view, in row-major order: the current row starts at
     * storage index {@link #base} and holds {@link #length} elements {@link #step} apart. A 0-d view is one row of one
     * element. Walking row by row keeps the per-element loops in the callers, over primitive arrays.
     */
    private static final class Rows {
        final int length;
        final int step;
        private final int[] shape;
        private final int[] strides;
        private final int[] idx;
        int base;

        Rows(int offset, int[] shape, int[] strides) {
            int rank = shape.length;
            this.length = rank == 0 ? 1 : shape[rank - 1];
            this.step = rank == 0 ? 0 : strides[rank - 1];
            this.shape = shape;
            this.strides = strides;
            this.idx = new int[Math.max(rank, 1)];
            this.base = offset;
        }

        /** Moves to the next row; false after the last one. */
        boolean next() {
            for (int d = shape.length - 2; d >= 0; d--) {
                idx[d]++;
                base += strides[d];
                if (idx[d] < shape[d]) {
                    return true;
                }
                base -= strides[d] * shape[d];
                idx[d] = 0;
            }
            return false;
        }
    }
}
