package io.sparkgrad.kernel;

import java.util.function.IntConsumer;

/**
 * The intra-op thread count and the small teams of pool threads ({@link WorkerTeam}) that the kernels split their
 * work on: a region takes an idle team for itself, so that regions called from different threads at once (two Spark
 * tasks in one executor JVM) each run on their own pool threads, up to one team per core.
 *
 * <p>The count defaults to {@link Runtime#availableProcessors()}, or to the system property
 * {@code sparkgrad.threads} when it is set (a Spark task sets it to {@code spark.task.cpus}), and can be changed at
 * any time with {@link #setNumThreads(int)}. OpenBLAS, when it is the GEMM backend, is kept at the same count.
 *
 * <p>A thread may override the count for itself with {@link #setTaskThreads(int)}: a Spark task's engine replica
 * does, so that two tasks in one executor JVM (two runs' tasks, say) each split their kernels over their own
 * {@code spark.task.cpus} threads without changing each other's count or the driver's. Threads without an
 * override use the JVM's count. OpenBLAS's own pool has one count per process and follows the JVM's count only;
 * the pure-Java GEMM, the default backend, honours the override.
 *
 * <p>{@link #parallelFor} runs the body inline when the count is 1, when the range is smaller than the grain,
 * or when it is called from inside another parallel region (nested regions never deadlock and never
 * oversubscribe). The calling thread always takes the first chunk itself, so a region of {@code t} threads uses
 * {@code t - 1} pool threads. Pool threads spin briefly between regions instead of sleeping at once: handing a
 * region to a sleeping thread costs more than many of the engine's regions take (see {@link WorkerTeam}).
 */
public final class Parallelism {

    /** A body over a half-open index range {@code [start, end)}; called once per chunk. */
    @FunctionalInterface
    public interface RangeBody {
        /**
         * Runs the work for indices {@code start} (inclusive) to {@code end} (exclusive).
         *
         * @param chunk the chunk number, {@code 0 <= chunk < chunks}; lets a body use per-chunk scratch or partials
         * @param start first index
         * @param end one past the last index
         */
        void run(int chunk, int start, int end);
    }

    private static final String PROPERTY = "sparkgrad.threads";
    private static volatile int numThreads = initialThreads();
    /**
     * Teams not running a region, the most recently used first (its threads are likeliest still spinning). A region
     * takes a team for itself, so that callers on different threads (two Spark tasks in one executor) each run on
     * their own pool threads instead of one of them running inline.
     */
    private static final java.util.ArrayDeque<WorkerTeam> IDLE_TEAMS = new java.util.ArrayDeque<>();
    /** At most this many teams at once (concurrent callers beyond run inline): more would only oversubscribe. */
    private static final int MAX_TEAMS = Math.max(2, Runtime.getRuntime().availableProcessors());
    private static int liveTeams;
    /** True on pool threads and on a caller while it runs a region, so that nested regions run inline. */
    private static final ThreadLocal<Boolean> IN_REGION = ThreadLocal.withInitial(() -> Boolean.FALSE);
    /** The calling thread's own count ({@link #setTaskThreads}); 0 means none: the JVM's count applies. */
    private static final ThreadLocal<int[]> TASK_THREADS = ThreadLocal.withInitial(() -> new int[1]);

    private Parallelism() {
    }

    private static int initialThreads() {
        String prop = System.getProperty(PROPERTY);
        if (prop == null || prop.isBlank()) {
            return Math.max(1, Runtime.getRuntime().availableProcessors());
        }
        try {
            int t = Integer.parseInt(prop.trim());
            if (t >= 1) {
                return t;
            }
        } catch (NumberFormatException e) {
            // fall through to the error below, which names the property and the value
        }
        throw new IllegalArgumentException(
                "system property " + PROPERTY + " must be a positive integer thread count, got '" + prop + "'");
    }

    /**
     * The number of threads intra-op kernels called from this thread use (at least 1): the thread's own count when it
     * set one with {@link #setTaskThreads(int)}, else the JVM's.
     */
    public static int numThreads() {
        int own = TASK_THREADS.get()[0];
        return own > 0 ? own : numThreads;
    }

    /**
     * Sets the JVM's number of threads for intra-op kernels, and OpenBLAS's thread count with it when OpenBLAS is
     * loaded. It applies to every thread without an override of its own, and to the calling thread, whose override
     * (if any) it clears: the caller asked for this count.
     *
     * @param threads at least 1
     * @throws IllegalArgumentException if {@code threads < 1}
     */
    public static void setNumThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("setNumThreads: thread count must be >= 1, got " + threads);
        }
        TASK_THREADS.get()[0] = 0;
        numThreads = threads;
        OpenBlasGemm.syncThreads(threads);
    }

    /**
     * Sets the thread count of kernels called from the calling thread only (a Spark task sets its
     * {@code spark.task.cpus}); other threads and the JVM's count are unchanged. Stays until this thread sets another,
     * calls {@link #clearTaskThreads()} or {@link #setNumThreads(int)}.
     *
     * @param threads at least 1
     * @throws IllegalArgumentException if {@code threads < 1}
     */
    public static void setTaskThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("setTaskThreads: thread count must be >= 1, got " + threads);
        }
        TASK_THREADS.get()[0] = threads;
    }

    /** Drops the calling thread's own count: it uses the JVM's again. */
    public static void clearTaskThreads() {
        TASK_THREADS.get()[0] = 0;
    }

    /** True when the current thread is already inside a parallel region (work submitted here runs inline). */
    public static boolean inParallelRegion() {
        return IN_REGION.get();
    }

    /**
     * How many chunks {@link #parallelFor(int, int, RangeBody)} will split {@code n} indices into with the given
     * grain: 1 when running inline, else {@code min(numThreads(), ceil(n / grain))}. Bodies that keep per-chunk
     * partials size them with this.
     */
    public static int chunks(int n, int grain) {
        int t = numThreads();
        if (t <= 1 || n <= 0 || IN_REGION.get()) {
            return 1;
        }
        int g = Math.max(1, grain);
        long byGrain = ((long) n + g - 1) / g;
        return (int) Math.max(1, Math.min(t, byGrain));
    }

    /**
     * Runs {@code body.accept(i)} for every {@code i} in {@code [0, n)}, split into contiguous chunks over the
     * threads; inline when {@code n < 2} or one thread.
     */
    public static void parallelFor(int n, IntConsumer body) {
        parallelFor(n, 1, (chunk, start, end) -> {
            for (int i = start; i < end; i++) {
                body.accept(i);
            }
        });
    }

    /**
     * Splits {@code [0, n)} into {@link #chunks(int, int)} contiguous chunks of near-equal size and runs
     * {@code body} on each, the caller running chunk 0; returns when all are done. An exception in any chunk is
     * rethrown here (the first one; the others are added as suppressed).
     *
     * @param n number of indices
     * @param grain the least number of indices worth giving a thread
     * @param body the work per chunk
     */
    public static void parallelFor(int n, int grain, RangeBody body) {
        parallelForChunks(n, chunks(n, grain), body);
    }

    /**
     * Like {@link #parallelFor(int, int, RangeBody)} with a chunk count fixed by the caller, typically from an
     * earlier {@link #chunks(int, int)} that also sized per-chunk partial results: chunk numbers then stay below
     * that count even if the thread count changes in between. The count is clamped to {@code [1, n]}; inside a
     * parallel region everything runs inline as chunk 0.
     */
    public static void parallelForChunks(int n, int chunkCount, RangeBody body) {
        if (n <= 0) {
            return;
        }
        int chunks = IN_REGION.get() ? 1 : Math.max(1, Math.min(chunkCount, n));
        if (chunks == 1) {
            body.run(0, 0, n);
            return;
        }
        WorkerTeam team = borrowTeam(chunks - 1);
        IN_REGION.set(Boolean.TRUE);
        try {
            if (team == null) {
                // As many teams as cores are busy with other callers' regions: run this one inline, same chunks.
                for (int c = 0; c < chunks; c++) {
                    body.run(c, WorkerTeam.start(n, chunks, c), WorkerTeam.start(n, chunks, c + 1));
                }
            } else {
                team.run(n, chunks, body);
            }
        } finally {
            IN_REGION.set(Boolean.FALSE);
            if (team != null) {
                returnTeam(team);
            }
        }
    }

    /** Marks the current thread as a pool thread: regions it starts run inline. */
    static void markPoolThread() {
        IN_REGION.set(Boolean.TRUE);
    }

    /**
     * An idle team of at least {@code workers} pool threads, for the caller alone until {@link #returnTeam}: the most
     * recently used one that is large enough, else a new one (replacing a smaller idle one, which stops); null when
     * {@link #MAX_TEAMS} teams are busy.
     */
    private static synchronized WorkerTeam borrowTeam(int workers) {
        for (java.util.Iterator<WorkerTeam> it = IDLE_TEAMS.iterator(); it.hasNext(); ) {
            WorkerTeam t = it.next();
            if (t.size() >= workers) {
                it.remove();
                return t;
            }
        }
        if (liveTeams >= MAX_TEAMS) {
            WorkerTeam smaller = IDLE_TEAMS.pollLast();
            if (smaller == null) {
                return null;
            }
            smaller.shutdown();
            liveTeams--;
        }
        liveTeams++;
        return new WorkerTeam(workers);
    }

    private static synchronized void returnTeam(WorkerTeam team) {
        IDLE_TEAMS.addFirst(team);
    }
}
