package io.sparkgrad.kernel.bench;

import java.lang.management.ManagementFactory;

/** Heap bytes allocated so far by all live threads of this JVM (HotSpot's per-thread counters, summed). */
public final class AllThreads {
    private static final com.sun.management.ThreadMXBean MX =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private AllThreads() {
    }

    /**
     * The sum over live threads. Threads that ended since the last call drop out of it, so take differences over a
     * span in which the engine's threads (the caller and its intra-op team) stay alive.
     */
    public static long allocatedBytes() {
        long sum = 0;
        for (long b : MX.getThreadAllocatedBytes(MX.getAllThreadIds())) {
            sum += Math.max(b, 0);
        }
        return sum;
    }
}
