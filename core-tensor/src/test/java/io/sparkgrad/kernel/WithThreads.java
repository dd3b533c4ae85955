package io.sparkgrad.kernel;

/** Test code run with the JVM's intra-op thread count set, the previous count restored after, pass or fail. */
public final class WithThreads {

    private WithThreads() {
    }

    /** Runs {@code body} with {@link Parallelism#setNumThreads(int)} set to {@code threads}. */
    public static void run(int threads, Runnable body) {
        int before = Parallelism.numThreads();
        Parallelism.setNumThreads(threads);
        try {
            body.run();
        } finally {
            Parallelism.setNumThreads(before);
        }
    }
}
