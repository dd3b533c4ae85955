package io.sparkgrad.cuda;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Device memory for one run, cached: a freed block goes back to a free list of its size class and the next request of
 * that class reuses it, so the training loop's repeated shapes cost no {@code cuMemAlloc} after the first step.
 * {@link #close()} at the run's end returns every block to the driver, so successive runs in one JVM (many runs share
 * an executor) do not grow device memory.
 *
 * <p>Size classes: requests up to 1 MiB round up to a multiple of 512 bytes, larger ones to a multiple of 2 MiB (as
 * PyTorch's caching allocator does), which bounds the waste while letting near-equal sizes share blocks. When the driver
 * is out of memory, or the run's {@code limitBytes} (its share of a GPU packed with other tasks) would be passed, the
 * cached blocks are released and the request tried once more before it fails with the numbers.
 *
 * <p>Thread-safe; one allocator per run and device, never per thread (Spark's task threads are pooled).
 */
public final class CachingAllocator implements AutoCloseable {
    static final long SMALL = 1L << 20;
    static final long SMALL_STEP = 512;
    static final long LARGE_STEP = 2L << 20;

    private final String device;
    private final RawDeviceMemory raw;
    private final long limitBytes;
    /** Blocks handed out: address to size class. */
    private final Map<Long, Long> live = new HashMap<>();
    /** Cached blocks by size class. */
    private final TreeMap<Long, ArrayDeque<Long>> cached = new TreeMap<>();
    private long inUse;
    private long reserved;
    private long peakInUse;
    private long peakReserved;
    private long rawAllocations;
    private long cacheHits;
    private boolean closed;
    private Runnable onPressure = () -> { };

    /**
     * @param device     the device's name for messages, e.g. {@code cuda:0}
     * @param raw        the driver's allocator
     * @param limitBytes the most this run may hold from the driver (cached blocks count), {@code Long.MAX_VALUE} for no cap
     */
    public CachingAllocator(String device, RawDeviceMemory raw, long limitBytes) {
        if (limitBytes <= 0) {
            throw new IllegalArgumentException("device memory limit must be > 0 bytes, got " + limitBytes);
        }
        this.device = device;
        this.raw = raw;
        this.limitBytes = limitBytes;
    }

    /**
     * Runs {@code release} when an allocation finds no memory even with the cache given back, then tries once more: how
     * the owners of blocks that nothing uses any more, but that are not freed yet (tensors whose storage the garbage
     * collector has yet to find unreachable), give them back in time. {@code release} may call {@link #free}.
     */
    public synchronized void onPressure(Runnable release) {
        this.onPressure = release;
    }

    /**
     * The cap of a run that may use {@code share} of a GPU with {@code deviceBytes} of memory: {@code floor(share x
     * deviceBytes)}, e.g. a quarter of an 80 GiB GPU for each of four trials packed on it with
     * {@code spark.task.resource.gpu.amount} 0.25.
     *
     * @param share a fraction of the GPU in (0, 1]
     * @throws IllegalArgumentException when {@code share} is outside (0, 1] or the device has no memory
     */
    public static long shareLimit(double share, long deviceBytes) {
        if (!(share > 0 && share <= 1)) {
            throw new IllegalArgumentException("a share of a GPU must be in (0, 1], got " + share);
        }
        if (deviceBytes <= 0) {
            throw new IllegalArgumentException("a GPU's memory must be > 0 bytes, got " + deviceBytes);
        }
        return Math.max(1, (long) Math.floor(share * deviceBytes));
    }

    /** The most this run may hold from the driver, {@code Long.MAX_VALUE} for no cap. */
    public long limitBytes() {
        return limitBytes;
    }

    /**
     * The figures of this run so far.
     *
     * @param inUseBytes     bytes in blocks handed out (by size class)
     * @param reservedBytes  bytes held from the driver: in use plus cached
     * @param rawAllocations calls to the driver's allocator
     * @param cacheHits      requests served from the cache
     */
    public record Stats(long inUseBytes, long reservedBytes, long peakInUseBytes, long peakReservedBytes, long rawAllocations,
                        long cacheHits, int liveBlocks) {
    }

    /** The size class of a request of {@code bytes}. */
    static long sizeClass(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("device allocation must be > 0 bytes, got " + bytes);
        }
        long step = bytes <= SMALL ? SMALL_STEP : LARGE_STEP;
        return (bytes + step - 1) / step * step;
    }

    /** A block of at least {@code bytes}; its content is undefined. */
    public synchronized long allocate(long bytes) {
        if (closed) {
            throw new IllegalStateException("the " + device + " allocator of a finished run cannot allocate");
        }
        long size = sizeClass(bytes);
        ArrayDeque<Long> free = cached.get(size);
        long address;
        if (free != null && !free.isEmpty()) {
            address = free.pop();
            cacheHits++;
        } else {
            address = fromDriver(size);
            if (address == 0) {
                emptyCache();
                address = fromDriver(size);
            }
            if (address == 0) {
                onPressure.run();
                emptyCache();
                address = fromDriver(size);
            }
            if (address == 0) {
                throw new DeviceOutOfMemoryException(device + " is out of memory allocating " + mib(size) + " MiB: this run holds "
                        + mib(inUse) + " MiB in use" + (limitBytes == Long.MAX_VALUE ? "" : ", limit " + mib(limitBytes) + " MiB")
                        + ". Several executors or trials sharing one GPU share its memory: give each more of it "
                        + "(a larger spark.task.resource.gpu.amount) or lower the batch size.");
            }
        }
        live.put(address, size);
        inUse += size;
        peakInUse = Math.max(peakInUse, inUse);
        return address;
    }

    private long fromDriver(long size) {
        if (reserved + size > limitBytes) {
            return 0;
        }
        long address = raw.allocate(size);
        if (address != 0) {
            rawAllocations++;
            reserved += size;
            peakReserved = Math.max(peakReserved, reserved);
        }
        return address;
    }

    /**
     * Returns a block to the cache. After {@link #close()} it is a no-op: the block went back to the driver with the run
     * (a tensor that outlives its run may still be released late).
     */
    public synchronized void free(long address) {
        if (closed) {
            return;
        }
        Long size = live.remove(address);
        if (size == null) {
            throw new IllegalArgumentException("0x" + Long.toHexString(address) + " is not a live " + device
                    + " block of this run (freed twice, or from another allocator)");
        }
        inUse -= size;
        cached.computeIfAbsent(size, s -> new ArrayDeque<>()).push(address);
    }

    /** Gives every cached block back to the driver. Blocks in use stay. */
    public synchronized void emptyCache() {
        for (var entry : cached.entrySet()) {
            for (long address : entry.getValue()) {
                raw.free(address);
                reserved -= entry.getKey();
            }
        }
        cached.clear();
    }

    public synchronized Stats stats() {
        return new Stats(inUse, reserved, peakInUse, peakReserved, rawAllocations, cacheHits, live.size());
    }

    /**
     * Ends the run: every block, cached or still in use, goes back to the driver (the run's tensors die with it).
     * Returns how many blocks were still in use, which the caller may report as a leak. Idempotent.
     */
    public synchronized int closeAndCountLive() {
        if (closed) {
            return 0;
        }
        emptyCache();
        int leftover = live.size();
        for (var entry : live.entrySet()) {
            raw.free(entry.getKey());
            reserved -= entry.getValue();
        }
        live.clear();
        inUse = 0;
        closed = true;
        return leftover;
    }

    @Override
    public void close() {
        closeAndCountLive();
    }

    private static long mib(long bytes) {
        return (bytes + (1 << 20) - 1) >> 20;
    }
}
