package io.sparkgrad.kernel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The pool threads behind {@link Parallelism}: a fixed team that runs one parallel region at a time, each worker
 * taking one chunk while the caller takes chunk 0.
 *
 * <p>Why not an {@code ExecutorService}: a training step of a small CNN is dozens of regions of a few tens of
 * microseconds each, and handing a task to a parked pool thread (a futex wake-up on submit, another on
 * {@code Future.get}) costs 15-25 us here, as much as the work it splits: a 64-sample batch gained almost nothing from
 * the second core. The team's workers instead spin for {@link #SPIN_NANOS} after each chunk, watching for the next
 * region (the way OpenMP runtimes keep their threads hot), and only then park; the caller spins while it waits for
 * the others' chunks. A region then costs about a microsecond to hand out, and an idle team costs no CPU once its
 * spin window has passed.
 *
 * <p>{@link Parallelism} lends a team to one region at a time, so callers on different threads (two Spark tasks in one
 * executor JVM, say) each get a team of their own. Should a second caller reach a team while a region runs anyway, it
 * does not queue: it runs its chunks one after another on its own thread, with the same chunk boundaries and numbers,
 * so results that are reduced in chunk order come out the same.
 */
final class WorkerTeam {
    /**
     * How long a worker keeps watching for the next region before it parks, and how long a caller spins before it
     * starts yielding. Longer than the gaps between the regions of one training step (single-threaded autograd
     * bookkeeping, small element-wise ops), short enough that an idle engine stops burning a core at once.
     */
    static final long SPIN_NANOS = 200_000;

    /** Numbers the teams, for their threads' names. */
    private static final AtomicInteger TEAMS = new AtomicInteger();

    private final Worker[] workers;
    private final ReentrantLock busy = new ReentrantLock();
    /** Set under {@code busy} by {@link #shutdown()}: a caller that still holds this team runs inline. */
    private boolean closed;

    WorkerTeam(int size) {
        int team = TEAMS.incrementAndGet();
        workers = new Worker[size];
        for (int i = 0; i < size; i++) {
            workers[i] = new Worker("sparkgrad-intraop-" + team + "-" + (i + 1));
        }
    }

    /** The number of pool threads (a region can use one more chunk: the caller's). */
    int size() {
        return workers.length;
    }

    /**
     * Runs {@code body} over {@code [0, n)} split into {@code chunks} (at most {@code size() + 1}) contiguous chunks,
     * chunk 0 on the calling thread; returns when all are done and rethrows the first failure (others suppressed).
     */
    void run(int n, int chunks, Parallelism.RangeBody body) {
        if (!busy.tryLock()) {
            runInline(n, chunks, body);
            return;
        }
        try {
            if (closed) {
                runInline(n, chunks, body);
                return;
            }
            Region region = new Region(chunks - 1);
            for (int c = 1; c < chunks; c++) {
                workers[c - 1].submit(new Job(region, body, c, start(n, chunks, c), start(n, chunks, c + 1)));
            }
            Throwable mine = null;
            try {
                body.run(0, 0, start(n, chunks, 1));
            } catch (RuntimeException | Error e) {
                mine = e;
            }
            region.await();
            region.rethrow(mine);
        } finally {
            busy.unlock();
        }
    }

    /**
     * Stops the workers (a smaller team is being replaced by a larger one), after the region in flight if any; a
     * caller that picked this team up before the replacement runs its region inline.
     */
    void shutdown() {
        busy.lock();
        try {
            closed = true;
            for (Worker w : workers) {
                w.stop();
            }
        } finally {
            busy.unlock();
        }
    }

    private static void runInline(int n, int chunks, Parallelism.RangeBody body) {
        for (int c = 0; c < chunks; c++) {
            body.run(c, start(n, chunks, c), start(n, chunks, c + 1));
        }
    }

    /** First index of chunk {@code c} of {@code chunks} near-equal contiguous chunks of {@code [0, n)}. */
    static int start(int n, int chunks, int c) {
        return (int) ((long) n * c / chunks);
    }

    /** One chunk handed to a worker. */
    private record Job(Region region, Parallelism.RangeBody body, int chunk, int start, int end) {
    }

    /** The chunks of one region that run on workers: a countdown and the failures. */
    private static final class Region {
        private final AtomicInteger pending;
        private Throwable failure;

        Region(int jobs) {
            pending = new AtomicInteger(jobs);
        }

        synchronized void fail(Throwable t) {
            if (failure == null) {
                failure = t;
            } else {
                failure.addSuppressed(t);
            }
        }

        void done() {
            pending.decrementAndGet();
        }

        /** Spins, then yields, then sleeps in short naps until every worker's chunk is done. */
        void await() {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            int rounds = 0;
            while (pending.get() > 0) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                } else if (++rounds < 1000) {
                    Thread.yield();
                } else {
                    LockSupport.parkNanos(50_000);
                }
            }
        }

        /** The caller's own failure first, then the workers', as one exception. */
        void rethrow(Throwable mine) {
            Throwable first;
            synchronized (this) {
                first = mine;
                if (failure != null) {
                    if (first == null) {
                        first = failure;
                    } else {
                        first.addSuppressed(failure);
                    }
                }
            }
            if (first instanceof RuntimeException re) {
                throw re;
            }
            if (first instanceof Error e) {
                throw e;
            }
            if (first != null) {
                throw new RuntimeException("parallelFor: a chunk failed", first);
            }
        }
    }

    /** A pool thread: runs the jobs handed to it, spinning between them, parking when none comes for a while. */
    private static final class Worker implements Runnable {
        private final Thread thread;
        private volatile Job job;
        private volatile boolean parked;
        private volatile boolean stopped;

        Worker(String name) {
            thread = new Thread(this, name);
            thread.setDaemon(true);
            thread.start();
        }

        void submit(Job j) {
            job = j;
            // A worker sets parked before its last look at job, the caller sets job before it reads parked: one of
            // the two sees the other's write, so a worker never sleeps on a job.
            if (parked) {
                LockSupport.unpark(thread);
            }
        }

        void stop() {
            stopped = true;
            LockSupport.unpark(thread);
        }

        @Override
        public void run() {
            Parallelism.markPoolThread();
            Job j;
            while ((j = next()) != null) {
                try {
                    j.body().run(j.chunk(), j.start(), j.end());
                } catch (Throwable t) {
                    j.region().fail(t);
                }
                job = null;
                j.region().done();
            }
        }

        /** The next job, or null once stopped. */
        private Job next() {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            Job j;
            while ((j = job) == null) {
                if (stopped) {
                    return null;
                }
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                } else {
                    parked = true;
                    if (job == null && !stopped) {
                        LockSupport.park(this);
                    }
                    parked = false;
                    spinUntil = System.nanoTime() + SPIN_NANOS;
                }
            }
            return j;
        }
    }
}
