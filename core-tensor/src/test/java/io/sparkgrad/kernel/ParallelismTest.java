package io.sparkgrad.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RestoreThreadCount.class)
class ParallelismTest {

    @Test
    void defaultCountIsThePropertyOrTheNumberOfProcessors() {
        String prop = System.getProperty("sparkgrad.threads");
        int expected = prop == null ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(prop.trim());
        assertEquals(expected, Parallelism.numThreads());
    }

    @Test
    void setNumThreadsRejectsZero() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Parallelism.setNumThreads(0));
        assertTrue(e.getMessage().contains("got 0"), e.getMessage());
    }

    @Test
    void everyIndexRunsExactlyOnceForAnyThreadCount() {
        for (int threads : new int[] {1, 2, 3, 5}) {
            Parallelism.setNumThreads(threads);
            for (int n : new int[] {0, 1, 2, 7, 100}) {
                AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(1, n));
                Parallelism.parallelFor(n, hits::incrementAndGet);
                for (int i = 0; i < n; i++) {
                    assertEquals(1, hits.get(i), "threads=" + threads + " n=" + n + " index " + i);
                }
            }
        }
    }

    @Test
    void chunksAreContiguousNumberedAndRespectTheGrain() {
        Parallelism.setNumThreads(4);
        assertEquals(2, Parallelism.chunks(10, 5));
        assertEquals(4, Parallelism.chunks(100, 1));
        AtomicIntegerArray owner = new AtomicIntegerArray(10);
        Parallelism.parallelFor(10, 5, (chunk, start, end) -> {
            for (int i = start; i < end; i++) {
                owner.set(i, chunk + 1);
            }
        });
        for (int i = 0; i < 10; i++) {
            assertEquals(i < 5 ? 1 : 2, owner.get(i), "index " + i);
        }
    }

    @Test
    void aFixedChunkCountIsKeptEvenIfTheThreadCountChangesMeanwhile() {
        Parallelism.setNumThreads(2);
        int chunks = Parallelism.chunks(100, 1);
        Parallelism.setNumThreads(5);
        AtomicInteger maxChunk = new AtomicInteger(-1);
        AtomicIntegerArray hits = new AtomicIntegerArray(100);
        Parallelism.parallelForChunks(100, chunks, (chunk, s, e) -> {
            maxChunk.accumulateAndGet(chunk, Math::max);
            for (int i = s; i < e; i++) {
                hits.incrementAndGet(i);
            }
        });
        assertEquals(1, maxChunk.get());
        for (int i = 0; i < 100; i++) {
            assertEquals(1, hits.get(i), "index " + i);
        }
    }

    @Test
    void nestedRegionsRunInlineOnTheirThread() {
        Parallelism.setNumThreads(2);
        AtomicInteger nestedChunks = new AtomicInteger();
        Parallelism.parallelFor(2, 1, (chunk, s, e) -> {
            assertTrue(Parallelism.inParallelRegion());
            Thread outer = Thread.currentThread();
            Parallelism.parallelFor(50, 1, (c2, s2, e2) -> {
                assertSame(outer, Thread.currentThread());
                nestedChunks.incrementAndGet();
            });
        });
        assertEquals(2, nestedChunks.get());
    }

    @Test
    void anExceptionInAWorkerChunkReachesTheCaller() {
        Parallelism.setNumThreads(2);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Parallelism.parallelFor(10, 1, (chunk, s, end) -> {
                    if (chunk == 1) {
                        throw new IllegalStateException("boom in chunk 1");
                    }
                }));
        assertEquals("boom in chunk 1", e.getMessage());
    }

    @Test
    void concurrentCallersGetEveryChunkOnceWithTheSameBoundaries() throws Exception {
        Parallelism.setNumThreads(2);
        int callers = 4;
        int regions = 2000;
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Thread[] threads = new Thread[callers];
        for (int t = 0; t < callers; t++) {
            threads[t] = new Thread(() -> {
                try {
                    for (int r = 0; r < regions; r++) {
                        int n = 7 + r % 13;
                        java.util.concurrent.atomic.AtomicIntegerArray seen = new java.util.concurrent.atomic.AtomicIntegerArray(n);
                        int[][] bounds = new int[2][];
                        Parallelism.parallelFor(n, 1, (chunk, s, e) -> {
                            bounds[chunk] = new int[] {s, e};
                            for (int i = s; i < e; i++) {
                                seen.incrementAndGet(i);
                            }
                        });
                        for (int i = 0; i < n; i++) {
                            assertEquals(1, seen.get(i), "index " + i + " of " + n);
                        }
                        // Whether the region ran on the team or inline (the team busy with another caller's), the
                        // chunks are the same two halves.
                        assertArrayEquals(new int[] {0, n / 2}, bounds[0]);
                        assertArrayEquals(new int[] {n / 2, n}, bounds[1]);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
    }

    @Test
    void growingTheThreadCountWhileAnotherThreadRunsRegionsLosesNoChunk() throws Exception {
        Parallelism.setNumThreads(2);
        java.util.concurrent.atomic.AtomicLong done = new java.util.concurrent.atomic.AtomicLong();
        Thread runner = new Thread(() -> {
            for (int r = 0; r < 3000; r++) {
                Parallelism.parallelFor(64, 1, (chunk, s, e) -> done.addAndGet(e - s));
            }
        });
        runner.start();
        for (int t = 3; t <= 6; t++) {
            Thread.sleep(2);
            Parallelism.setNumThreads(t);
            Parallelism.parallelFor(64, 1, (chunk, s, e) -> done.addAndGet(e - s));
        }
        runner.join(60_000);
        assertFalse(runner.isAlive(), "a region waited forever on a replaced team");
        assertEquals(64L * (3000 + 4), done.get());
    }

    @Test
    void idlePoolThreadsStopSpinningAndPark() throws Exception {
        Parallelism.setNumThreads(2);
        Parallelism.parallelFor(2, 1, (chunk, s, e) -> { });
        // The spin window is 0.2 ms: well within a second every pool thread is parked, costing no CPU.
        long deadline = System.nanoTime() + 5_000_000_000L;
        java.util.List<Thread> pool;
        do {
            Thread.sleep(20);
            pool = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("sparkgrad-intraop-") && t.isAlive()).toList();
        } while (pool.stream().anyMatch(t -> t.getState() != Thread.State.WAITING) && System.nanoTime() < deadline);
        assertFalse(pool.isEmpty(), "the region ran on a pool thread");
        for (Thread t : pool) {
            assertEquals(Thread.State.WAITING, t.getState(), t.getName() + " is still running while idle");
        }
    }
}
