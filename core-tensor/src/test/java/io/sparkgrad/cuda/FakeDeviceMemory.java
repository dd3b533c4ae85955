package io.sparkgrad.cuda;

import java.util.HashMap;
import java.util.Map;

/** A device of {@code capacity} bytes for tests: hands out fresh addresses, refuses when full, checks every free. */
final class FakeDeviceMemory implements RawDeviceMemory {
    final long capacity;
    final Map<Long, Long> blocks = new HashMap<>();
    long used;
    long next = 0x7000_0000L;
    int allocations;

    FakeDeviceMemory(long capacity) {
        this.capacity = capacity;
    }

    @Override
    public long allocate(long bytes) {
        if (used + bytes > capacity) {
            return 0;
        }
        allocations++;
        used += bytes;
        long a = next;
        next += bytes + 256;
        blocks.put(a, bytes);
        return a;
    }

    @Override
    public void free(long address) {
        Long size = blocks.remove(address);
        if (size == null) {
            throw new AssertionError("driver free of unknown block 0x" + Long.toHexString(address));
        }
        used -= size;
    }
}
