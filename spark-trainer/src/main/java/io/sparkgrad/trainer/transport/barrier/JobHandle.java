package io.sparkgrad.trainer.transport.barrier;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** The coordinator's view of the Spark job running an epoch's tasks. */
interface JobHandle {

    /** True once the job has finished, successfully or not. */
    boolean isDone();

    /** The job's failure once it is done, or null if it succeeded. */
    Throwable failure();

    /** Cancels the job (its tasks are killed). */
    void cancel();

    /** A job that a future stands for (Spark's {@code JavaFutureAction}, or threads playing the tasks). */
    static JobHandle of(Future<?> job) {
        return of(job, () -> { });
    }

    /**
     * A job that a future stands for, whose cancellation runs {@code cancelFirst} (say, cancelling the Spark job group
     * the job runs in) before it cancels the future.
     */
    static JobHandle of(Future<?> job, Runnable cancelFirst) {
        return new JobHandle() {
            @Override
            public boolean isDone() {
                return job.isDone();
            }

            @Override
            public Throwable failure() {
                try {
                    job.get();
                    return null;
                } catch (ExecutionException e) {
                    return e.getCause() != null ? e.getCause() : e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return e;
                } catch (RuntimeException e) {
                    return e;
                }
            }

            @Override
            public void cancel() {
                cancelFirst.run();
                job.cancel(true);
            }
        };
    }
}
