package io.sparkgrad.trainer.transport.barrier;

import io.sparkgrad.trainer.StepStats;

/** What the aggregation server's connection threads report to the coordinator on the driver's main thread. */
sealed interface ServerEvent {

    /** The connection that produced the event. */
    WorkerConnection connection();

    /** A worker authenticated. */
    record Joined(WorkerConnection connection) implements ServerEvent {
    }

    /**
     * A worker's gradient sum for a step; {@code grad} is the connection's receive buffer, which the connection does
     * not overwrite until the coordinator calls {@link WorkerConnection#consumed()}.
     */
    record Contribution(WorkerConnection connection, long step, StepStats stats, long computeNanos, float[] grad)
            implements ServerEvent {
    }

    /** A worker reported its exception. */
    record WorkerFailed(WorkerConnection connection, long step, String message) implements ServerEvent {
    }

    /** The connection ended (normally after END, or because the worker died or broke the protocol). */
    record Closed(WorkerConnection connection, String reason) implements ServerEvent {
    }
}
