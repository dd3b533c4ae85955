package io.sparkgrad.trainer.transport.barrier;

import io.sparkgrad.trainer.StepStats;

/** What the aggregation server's connection threads report to the coordinator on the driver's main thread. */
sealed interface ServerEvent {

    /** The connection that produced the event. */
    WorkerLink connection();

    /** A worker authenticated. */
    record Joined(WorkerLink connection) implements ServerEvent {
    }

    /**
     * A worker's gradient sum for a step; {@code grad} is the link's buffer (a socket's receive buffer, or an in-memory
     * worker's own array), which the coordinator may sum into and which is not overwritten until it calls
     * {@link WorkerLink#consumed()}.
     */
    record Contribution(WorkerLink connection, long step, StepStats stats, long computeNanos, float[] grad)
            implements ServerEvent {
    }

    /** A worker reported its exception. */
    record WorkerFailed(WorkerLink connection, long step, String message) implements ServerEvent {
    }

    /** The connection ended (normally after END, or because the worker died or broke the protocol). */
    record Closed(WorkerLink connection, String reason) implements ServerEvent {
    }
}
