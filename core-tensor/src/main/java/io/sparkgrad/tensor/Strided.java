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
        int n = Shape.numel(shape);
        if (n == 0) {
            return;
        }
        int rank = shape.length;
        if (rank == 0) {
            dst[dstOff] = src[srcOff];
            return;
        }
        int[] idx = new int[rank];
        int inner = shape[rank - 1];
        int innerStride = strides[rank - 1];
        int base = srcOff;
        int out = dstOff;
        while (true) {
            for (int j = 0, p = base; j < inner; j++, p += innerStride) {
                dst[out++] = src[p];
            }
            int d = rank - 2;
            while (d >= 0) {
                idx[d]++;
                base += strides[d];
                if (idx[d] < shape[d]) {
                    break;
                }
                base -= strides[d] * shape[d];
                idx[d] = 0;
                d--;
            }
            if (d < 0) {
                return;
            }
        }
    }

    /** Int version of {@link #gather(float[], int, int[], int[], float[], int)}. */
    static void gather(int[] src, int srcOff, int[] shape, int[] strides, int[] dst, int dstOff) {
        int n = Shape.numel(shape);
        if (n == 0) {
            return;
        }
        int rank = shape.length;
        if (rank == 0) {
            dst[dstOff] = src[srcOff];
            return;
        }
        int[] idx = new int[rank];
        int inner = shape[rank - 1];
        int innerStride = strides[rank - 1];
        int base = srcOff;
        int out = dstOff;
        while (true) {
            for (int j = 0, p = base; j < inner; j++, p += innerStride) {
                dst[out++] = src[p];
            }
            int d = rank - 2;
            while (d >= 0) {
                idx[d]++;
                base += strides[d];
                if (idx[d] < shape[d]) {
                    break;
                }
                base -= strides[d] * shape[d];
                idx[d] = 0;
                d--;
            }
            if (d < 0) {
                return;
            }
        }
    }

    /** Writes contiguous {@code src} (from srcOff) into the strided view (shape, strides, offset) of {@code dst}. */
    static void scatter(float[] src, int srcOff, float[] dst, int dstOff, int[] shape, int[] strides) {
        int n = Shape.numel(shape);
        if (n == 0) {
            return;
        }
        int rank = shape.length;
        if (rank == 0) {
            dst[dstOff] = src[srcOff];
            return;
        }
        int[] idx = new int[rank];
        int inner = shape[rank - 1];
        int innerStride = strides[rank - 1];
        int base = dstOff;
        int in = srcOff;
        while (true) {
            for (int j = 0, p = base; j < inner; j++, p += innerStride) {
                dst[p] = src[in++];
            }
            int d = rank - 2;
            while (d >= 0) {
                idx[d]++;
                base += strides[d];
                if (idx[d] < shape[d]) {
                    break;
                }
                base -= strides[d] * shape[d];
                idx[d] = 0;
                d--;
            }
            if (d < 0) {
                return;
            }
        }
    }
}
