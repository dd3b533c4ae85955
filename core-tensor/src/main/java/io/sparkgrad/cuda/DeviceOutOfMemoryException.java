package io.sparkgrad.cuda;

/**
 * A run asked for more device memory than the driver had or than its cap ({@link CachingAllocator}'s limit, its share of
 * a GPU packed with other runs) allows, after the cache was emptied. The run cannot go on; the others on the GPU can.
 */
public final class DeviceOutOfMemoryException extends IllegalStateException {
    private final long requestedBytes;
    private final long limitBytes;

    DeviceOutOfMemoryException(String message, long requestedBytes, long limitBytes) {
        super(message);
        this.requestedBytes = requestedBytes;
        this.limitBytes = limitBytes;
    }

    /** The size class of the request that failed. */
    public long requestedBytes() {
        return requestedBytes;
    }

    /** The run's cap, {@code Long.MAX_VALUE} when it had none (the driver itself was out of memory). */
    public long limitBytes() {
        return limitBytes;
    }
}
