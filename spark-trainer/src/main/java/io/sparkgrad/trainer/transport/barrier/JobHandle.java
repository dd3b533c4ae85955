package io.sparkgrad.trainer.transport.barrier;

/** The coordinator's view of the Spark job running an epoch's tasks. */
interface JobHandle {

    /** True once the job has finished, successfully or not. */
    boolean isDone();

    /** The job's failure once it is done, or null if it succeeded. */
    Throwable failure();

    /** Cancels the job (its tasks are killed). */
    void cancel();
}
