package io.sparkgrad.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CachingAllocatorTest {

    @Test
    void sizeClassesRoundSmallTo512AndLargeTo2MiB() {
        assertEquals(512, CachingAllocator.sizeClass(1));
        assertEquals(512, CachingAllocator.sizeClass(512));
        assertEquals(1024, CachingAllocator.sizeClass(513));
        assertEquals(1 << 20, CachingAllocator.sizeClass(1 << 20));
        assertEquals(2 << 20, CachingAllocator.sizeClass((1 << 20) + 1));
        assertEquals(4 << 20, CachingAllocator.sizeClass((2 << 20) + 1));
        assertThrows(IllegalArgumentException.class, () -> CachingAllocator.sizeClass(0));
    }

    @Test
    void aFreedBlockIsReusedForTheSameClassOnly() {
        var dev = new FakeDeviceMemory(1L << 30);
        try (var alloc = new CachingAllocator("cuda:0", dev, Long.MAX_VALUE)) {
            long a = alloc.allocate(1000);
            alloc.free(a);
            assertEquals(a, alloc.allocate(900), "900 and 1000 bytes share the 1024-byte class");
            long b = alloc.allocate(5000);
            assertNotEquals(a, b);
            var s = alloc.stats();
            assertEquals(2, s.rawAllocations());
            assertEquals(1, s.cacheHits());
            assertEquals(1024 + 5120, s.inUseBytes());
            assertEquals(1024 + 5120, s.reservedBytes());
            assertEquals(2, s.liveBlocks());
        }
    }

    @Test
    void aTrainingLoopAllocatesFromTheDriverOnlyInItsFirstStepAndPeakIsTracked() {
        var dev = new FakeDeviceMemory(1L << 30);
        try (var alloc = new CachingAllocator("cuda:0", dev, Long.MAX_VALUE)) {
            long[] sizes = {64 * 784 * 4, 64 * 10 * 4, 7840 * 4, 40, 3 << 20};
            for (int step = 0; step < 50; step++) {
                long[] blocks = new long[sizes.length];
                for (int i = 0; i < sizes.length; i++) {
                    blocks[i] = alloc.allocate(sizes[i]);
                }
                for (long b : blocks) {
                    alloc.free(b);
                }
            }
            var s = alloc.stats();
            assertEquals(sizes.length, s.rawAllocations());
            assertEquals(49L * sizes.length, s.cacheHits());
            assertEquals(0, s.inUseBytes());
            long classes = 0;
            for (long size : sizes) {
                classes += CachingAllocator.sizeClass(size);
            }
            assertEquals(classes, s.peakInUseBytes());
            assertEquals(classes, s.reservedBytes(), "cached, not returned, while the run goes on");
        }
    }

    @Test
    void closingTheRunReturnsEverythingSo100RunsStayFlat() {
        var dev = new FakeDeviceMemory(64L << 20);
        for (int run = 0; run < 100; run++) {
            var alloc = new CachingAllocator("cuda:0", dev, Long.MAX_VALUE);
            long kept = alloc.allocate(3 << 20);      // still in use when the run ends
            alloc.free(alloc.allocate(10_000));        // cached when the run ends
            assertEquals(1, alloc.closeAndCountLive());
            assertEquals(0, dev.used, "device memory after run " + run);
            alloc.free(kept);                          // a late release after the run is harmless
            assertThrows(IllegalStateException.class, () -> alloc.allocate(1));
        }
        assertEquals(200, dev.allocations);
    }

    @Test
    void outOfMemoryReleasesTheCacheAndRetriesThenFailsWithTheNumbers() {
        var dev = new FakeDeviceMemory(8L << 20);
        try (var alloc = new CachingAllocator("cuda:1", dev, Long.MAX_VALUE)) {
            alloc.free(alloc.allocate(4L << 20));
            alloc.free(alloc.allocate(2L << 20));
            long big = alloc.allocate(6L << 20);       // needs the cached 6 MiB back from the driver
            assertEquals(6L << 20, dev.used);
            assertEquals(6L << 20, alloc.stats().reservedBytes());
            var e = assertThrows(IllegalStateException.class, () -> alloc.allocate(4L << 20));
            assertTrue(e.getMessage().startsWith("cuda:1 is out of memory allocating 4 MiB: this run holds 6 MiB in use"),
                    e.getMessage());
            alloc.free(big);
        }
    }

    @Test
    void underPressureTheOwnersReleaseWhatTheyNoLongerUseBeforeItFails() {
        var dev = new FakeDeviceMemory(8L << 20);
        try (var alloc = new CachingAllocator("cuda:1", dev, Long.MAX_VALUE)) {
            long unused = alloc.allocate(6L << 20);
            int[] calls = {0};
            alloc.onPressure(() -> {
                calls[0]++;
                alloc.free(unused);
            });
            long next = alloc.allocate(4L << 20);
            assertEquals(1, calls[0], "asked once, when the cache alone did not do");
            assertEquals(4L << 20, alloc.stats().inUseBytes());
            alloc.free(next);
        }
    }

    @Test
    void aRunsLimitCapsWhatItHoldsFromTheDriver() {
        var dev = new FakeDeviceMemory(1L << 30);
        try (var alloc = new CachingAllocator("cuda:0", dev, 4L << 20)) {
            alloc.allocate(2L << 20);
            alloc.free(alloc.allocate(2L << 20));
            alloc.allocate(2L << 20);                  // the cached block
            var e = assertThrows(DeviceOutOfMemoryException.class, () -> alloc.allocate(512));
            assertTrue(e.getMessage().contains("limit 4 MiB"), e.getMessage());
            assertEquals(4L << 20, alloc.limitBytes());
            assertEquals(4L << 20, dev.used);
        }
    }

    @Test
    void aShareOfAGpuCapsARunAtThatFractionOfItsMemory() {
        long h100 = 85_045_755_904L;
        assertEquals(h100 / 4, CachingAllocator.shareLimit(0.25, h100));
        assertEquals(h100, CachingAllocator.shareLimit(1.0, h100));
        assertEquals((long) Math.floor(h100 / 3.0), CachingAllocator.shareLimit(1.0 / 3, h100));
        for (double bad : new double[] {0, -0.5, 1.5, Double.NaN}) {
            var e = assertThrows(IllegalArgumentException.class, () -> CachingAllocator.shareLimit(bad, h100));
            assertTrue(e.getMessage().contains("(0, 1]"), e.getMessage());
        }
    }

    @Test
    void freeingAnUnknownOrTwiceFreedBlockIsAnError() {
        try (var alloc = new CachingAllocator("cuda:0", new FakeDeviceMemory(1 << 20), Long.MAX_VALUE)) {
            long a = alloc.allocate(100);
            alloc.free(a);
            var e = assertThrows(IllegalArgumentException.class, () -> alloc.free(a));
            assertTrue(e.getMessage().contains("not a live cuda:0 block"), e.getMessage());
        }
    }
}
