package io.sparkgrad.trainer.transport.barrier;

import java.time.Duration;
import java.util.concurrent.Future;

/**
 * The driver's end of one joined worker, whatever carries its frames: an authenticated socket
 * ({@link WorkerConnection}) or, where the worker's task runs in the driver's own JVM, a hand-off in memory
 * ({@link InProcessLink}). The {@link BarrierCoordinator} speaks only this; the aggregation server turns what each link
 * receives into {@link ServerEvent}s on one queue.
 */
interface WorkerLink {

    /** The worker's index (its partition). */
    int worker();

    /** The barrier stage attempt its task belongs to. */
    int stageAttempt();

    /** The epoch its task was launched for. */
    int epoch();

    /**
     * Sends a step's weights, {@code weights[0, n)}, and the worker's slice. The link may read {@code weights} after
     * this returns: the caller must not change the array before {@link #awaitWeightsWritten} has returned.
     */
    void sendParams(long step, int offset, int count, float[] weights, int n);

    /**
     * Waits until the last weights sent are delivered (or could not be), so their array may change; a delivery still
     * stuck after {@code timeout} closes the link.
     */
    void awaitWeightsWritten(Duration timeout) throws InterruptedException;

    /** Tells the worker its epoch is over. */
    void sendEnd(long step);

    /**
     * Tells the worker the run stopped, after anything still being sent; returns at once with a future that is done
     * once the message is delivered or could not be.
     */
    Future<?> sendAbort(long step, String message);

    /** The coordinator is done with the last contribution's gradient buffer; the worker's next one may arrive. */
    void consumed();

    boolean isClosed();

    /** Why the link closed, or null while it is open. */
    String closeReason();

    /** Closes the link (idempotent); the worker's task sees its driver gone and ends. */
    void close(String reason);
}
