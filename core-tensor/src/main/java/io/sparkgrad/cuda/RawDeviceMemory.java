package io.sparkgrad.cuda;

/**
 * The driver's allocator ({@code cuMemAlloc}/{@code cuMemFree} in {@link JCudaRawMemory}), behind an interface so the
 * caching allocator's bookkeeping is tested without a GPU.
 */
public interface RawDeviceMemory {

    /** A new block of {@code bytes}, or 0 when the device has no room (CUDA_ERROR_OUT_OF_MEMORY). */
    long allocate(long bytes);

    /** Returns a block from {@link #allocate}. */
    void free(long address);
}
