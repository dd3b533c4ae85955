package io.sparkgrad.cuda;

import java.util.Arrays;

/**
 * A contiguous row-major float32 (or int32 for labels and indices) array in device memory: the address of its first
 * element and its shape. The ops of {@link CudaOps} take and return these; who allocated one frees it.
 */
public record DeviceArray(long address, int[] shape) {

    public DeviceArray {
        if (address == 0) {
            throw new IllegalArgumentException("null device address");
        }
        shape = shape.clone();
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative size in shape " + Arrays.toString(shape));
            }
        }
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    public int dim() {
        return shape.length;
    }

    public int size(int d) {
        return shape[d];
    }

    /** The number of elements (at most 2^31-1, as the kernels index with int). */
    public int numel() {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has more than 2^31-1 elements");
        }
        return (int) n;
    }

    public long bytes() {
        return (long) numel() * Float.BYTES;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeviceArray d && d.address == address && Arrays.equals(d.shape, shape);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(address) * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return Arrays.toString(shape) + "@0x" + Long.toHexString(address);
    }
}
