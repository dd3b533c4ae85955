package io.sparkgrad.trainer.transport.barrier;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What every {@link WorkerLink} keeps alike: the worker's identity, closing once with a reason, and the wait for the
 * last weights to be delivered.
 */
abstract class AbstractWorkerLink implements WorkerLink {

    private final Handshake.Identity identity;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile String closeReason;
    /** The delivery of the last weights sent, until {@link #awaitWeightsWritten} saw it done. */
    protected volatile Future<?> weightsInFlight;

    AbstractWorkerLink(Handshake.Identity identity) {
        this.identity = identity;
    }

    @Override
    public final int worker() {
        return identity.worker();
    }

    @Override
    public final int stageAttempt() {
        return identity.stageAttempt();
    }

    @Override
    public final int epoch() {
        return identity.epoch();
    }

    @Override
    public final void awaitWeightsWritten(Duration timeout) throws InterruptedException {
        Future<?> f = weightsInFlight;
        if (f == null) {
            return;
        }
        try {
            f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            weightsInFlight = null;
        } catch (TimeoutException e) {
            close("the step's weights were still not delivered after " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            close("delivering the weights failed: " + e.getCause());
        }
    }

    @Override
    public final boolean isClosed() {
        return closed.get();
    }

    @Override
    public final String closeReason() {
        return closeReason;
    }

    @Override
    public final void close(String reason) {
        if (closed.compareAndSet(false, true)) {
            closeReason = reason;
            onClose(reason);
        }
    }

    /** Releases what the link holds and wakes whoever waits on it; called once, by the first {@link #close}. */
    protected abstract void onClose(String reason);

    /** How the link names its worker in messages, with where it is ({@code where}: a peer address or the JVM). */
    protected final String describe(String where) {
        return "worker " + identity.worker() + " (stage attempt " + identity.stageAttempt() + ", " + where + ")";
    }
}
