package io.sparkgrad.cuda;

/**
 * A run asked for more device memory than the driver had or than its cap ({@link CachingAllocator}'s limit, its share of
 * a GPU packed with other runs) allows, after the cache was emptied; the message has the numbers. The run cannot go on;
 * the others on the GPU can.
 */
public final class DeviceOutOfMemoryException extends IllegalStateException {
    DeviceOutOfMemoryException(String message) {
        super(message);
    }
}
