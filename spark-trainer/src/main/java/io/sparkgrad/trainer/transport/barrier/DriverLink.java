package io.sparkgrad.trainer.transport.barrier;

import io.sparkgrad.trainer.StepStats;

import java.io.IOException;

/**
 * A worker's end of its link to the driver's aggregation server: read the driver's commands, send gradient sums.
 * Over a socket ({@link WorkerClient}) or, when the task runs in the driver's JVM, in memory ({@link InProcessLink}).
 */
interface DriverLink extends AutoCloseable {

    /**
     * A driver command as read.
     *
     * @param type    {@link Wire#PARAMS}, {@link Wire#END} or {@link Wire#ABORT}
     * @param step    the run's step number
     * @param offset  the worker's first position in its epoch order (PARAMS)
     * @param count   the worker's number of samples for the step (PARAMS)
     * @param message the driver's reason (ABORT)
     * @param weights the step's weights (PARAMS): the caller's buffer, filled from the wire, or in memory the driver's
     *                own array, lent read-only until this worker sends its gradient for the step
     */
    record Command(int type, long step, int offset, int count, String message, float[] weights) {
    }

    /**
     * Waits for the next command; for PARAMS, {@link Command#weights} holds the weights (over a socket they are read
     * into {@code buffer}).
     *
     * @throws IOException when the link ends, the driver breaks the protocol or no command comes within the read timeout
     */
    Command next(float[] buffer) throws IOException;

    /**
     * Sends one step's gradient sum and stats. {@code grad} is the driver's until its next command has been read: the
     * in-memory link lends the array instead of copying it, and the driver may sum other workers' gradients into it.
     */
    void sendGradient(long step, StepStats stats, long computeNanos, float[] grad) throws IOException;

    /** Reports an exception to the driver, best effort. */
    void sendError(long step, String message);

    @Override
    void close();
}
