package io.sparkgrad.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A thread's own engine thread count ({@link Parallelism#setTaskThreads}): two Spark tasks in one executor JVM, each
 * with its {@code spark.task.cpus}, compute at the same time without changing each other's count or the JVM's, and
 * each runs on pool threads of its own.
 */
@ExtendWith(RestoreThreadCount.class)
class TaskThreadCountTest {

    @Test
    void twoThreadsWithDifferentTaskCountsEachSeeTheirOwnWhileRunningKernelsAtOnce() throws Exception {
        Parallelism.setNumThreads(1);
        int[] counts = {2, 3};
        int regions = 500;
        CyclicBarrier together = new CyclicBarrier(counts.length);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int count : counts) {
            Thread t = new Thread(() -> {
                try {
                    Parallelism.setTaskThreads(count);
                    together.await(10, TimeUnit.SECONDS);
                    for (int r = 0; r < regions; r++) {
                        assertEquals(count, Parallelism.numThreads(), "this thread's count");
                        assertEquals(count, Parallelism.chunks(1000, 1), "chunks of a region of this thread");
                        int n = 100 + r;
                        AtomicIntegerArray seen = new AtomicIntegerArray(n);
                        AtomicIntegerArray chunksSeen = new AtomicIntegerArray(count + 1);
                        Parallelism.parallelFor(n, 1, (chunk, s, e) -> {
                            chunksSeen.incrementAndGet(chunk);
                            for (int i = s; i < e; i++) {
                                seen.incrementAndGet(i);
                            }
                        });
                        for (int c = 0; c <= count; c++) {
                            assertEquals(c < count ? 1 : 0, chunksSeen.get(c), "chunk " + c + " of a " + count + "-thread region");
                        }
                        for (int i = 0; i < n; i++) {
                            assertEquals(1, seen.get(i), "index " + i);
                        }
                        // A GEMM, whose Java kernel splits by the count, gives what it gives on one thread.
                        float[] a = new float[64 * 48];
                        float[] b = new float[48 * 40];
                        for (int i = 0; i < a.length; i++) {
                            a[i] = (i % 17) * 0.25f - 2;
                        }
                        for (int i = 0; i < b.length; i++) {
                            b[i] = (i % 13) * 0.5f - 3;
                        }
                        float[] c = new float[64 * 40];
                        Gemm.sgemmJava(false, false, 64, 40, 48, 1f, a, 0, 48, b, 0, 40, 0f, c, 0, 40);
                        float[] ref = new float[64 * 40];
                        for (int i = 0; i < 64; i++) {
                            for (int j = 0; j < 40; j++) {
                                float sum = 0;
                                for (int k = 0; k < 48; k++) {
                                    sum += a[i * 48 + k] * b[k * 40 + j];
                                }
                                ref[i * 40 + j] = sum;
                            }
                        }
                        for (int i = 0; i < ref.length; i++) {
                            assertEquals(ref[i], c[i], 1e-3f, "GEMM element " + i);
                        }
                    }
                    assertEquals(count, Parallelism.numThreads(), "this thread's count after its kernels");
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join(60_000);
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertEquals(1, Parallelism.numThreads(), "the JVM's count, which neither task changed");
    }

    @Test
    void concurrentCallersEachRunOnTheirOwnPoolThreadsInsteadOfInline() throws Exception {
        Parallelism.setNumThreads(1);
        CyclicBarrier bothInRegion = new CyclicBarrier(2);
        String[] chunkOneThread = new String[2];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread[] callers = new Thread[2];
        for (int k = 0; k < 2; k++) {
            int me = k;
            callers[k] = new Thread(() -> {
                try {
                    Parallelism.setTaskThreads(2);
                    Parallelism.parallelFor(2, 1, (chunk, s, e) -> {
                        if (chunk == 0) {
                            // Both regions are in flight at once: an inline caller would run chunk 1 after this, itself.
                            try {
                                bothInRegion.await(10, TimeUnit.SECONDS);
                            } catch (Exception ex) {
                                throw new IllegalStateException("the other caller's region did not start", ex);
                            }
                        } else {
                            chunkOneThread[me] = Thread.currentThread().getName();
                        }
                    });
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "task-" + k);
            callers[k].start();
        }
        for (Thread t : callers) {
            t.join(30_000);
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        for (int k = 0; k < 2; k++) {
            assertNotEquals("task-" + k, chunkOneThread[k], "caller " + k + " ran its second chunk inline");
        }
        assertNotEquals(chunkOneThread[0], chunkOneThread[1], "both regions' second chunks on one pool thread");
    }

    @Test
    void setNumThreadsClearsTheCallersOwnCountAndZeroIsRefused() {
        Parallelism.setTaskThreads(3);
        assertEquals(3, Parallelism.numThreads());
        Parallelism.setNumThreads(2);
        assertEquals(2, Parallelism.numThreads(), "the caller asked for the JVM's count");
        Parallelism.setTaskThreads(4);
        Parallelism.clearTaskThreads();
        assertEquals(2, Parallelism.numThreads());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Parallelism.setTaskThreads(0));
        assertEquals("setTaskThreads: thread count must be >= 1, got 0", e.getMessage());
    }
}
