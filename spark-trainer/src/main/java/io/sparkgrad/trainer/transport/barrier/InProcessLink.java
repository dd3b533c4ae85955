package io.sparkgrad.trainer.transport.barrier;

import io.sparkgrad.trainer.StepStats;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A worker joined from inside the driver's JVM (local mode, where Spark runs the tasks on the driver's own executor):
 * the same protocol as {@link WorkerConnection}, carried in memory. Commands go through a queue to the task's thread
 * with the coordinator's weights array itself, lent read-only until the worker's gradient for the step is sent (the
 * replica copies it once, as it would a socket's buffer); gradients go to the server's event queue as the worker's own
 * array, lent until the coordinator has consumed it. Nothing is framed, so nothing needs sealing: the
 * bytes never leave the process, and the worker authenticated by holding the run's secret
 * ({@link InProcessEndpoints#find}).
 *
 * <p>Closing, from either end, behaves as a socket's would: commands already sent are still read in order, then the
 * worker's next read fails, and the server's queue gets one {@link ServerEvent.Closed}.
 */
final class InProcessLink implements WorkerLink {

    /** A command and, for PARAMS, the future done once the worker no longer reads the weights it was lent. */
    private record Delivery(DriverLink.Command command, CompletableFuture<Void> returned) {
    }

    /** Put on the inbox by {@link #close}: the worker's read after the commands before it fails. */
    private static final Delivery CLOSED = new Delivery(null, null);

    private final Handshake.Identity identity;
    private final int numParameters;
    private final BlockingQueue<ServerEvent> events;
    private final Runnable onClose;
    private final BlockingQueue<Delivery> inbox = new LinkedBlockingQueue<>();
    /** One contribution at a time: the coordinator's {@link #consumed} gives the worker's buffer back. */
    private final Semaphore mayContribute = new Semaphore(1);
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile String closeReason;
    /** The weights last sent, until the worker is done reading them (its gradient for the step, or the link's end). */
    private volatile CompletableFuture<Void> weightsInFlight;
    private final WorkerSide workerSide;

    /**
     * @param events        the aggregation server's event queue
     * @param readTimeoutMs how long the worker waits for a command before giving up on the driver
     * @param onClose       run once when the link closes (the server forgets it)
     */
    InProcessLink(Handshake.Identity identity, int numParameters, BlockingQueue<ServerEvent> events, int readTimeoutMs,
                  Runnable onClose) {
        this.identity = identity;
        this.numParameters = numParameters;
        this.events = events;
        this.onClose = onClose;
        this.workerSide = new WorkerSide(readTimeoutMs);
    }

    /** The task's end of this link. */
    DriverLink workerSide() {
        return workerSide;
    }

    @Override
    public int worker() {
        return identity.worker();
    }

    @Override
    public int stageAttempt() {
        return identity.stageAttempt();
    }

    @Override
    public int epoch() {
        return identity.epoch();
    }

    @Override
    public void sendParams(long step, int offset, int count, float[] weights, int n) {
        if (n != numParameters || weights.length < n) {
            throw new IllegalArgumentException("weights of " + n + " values for a model of " + numParameters);
        }
        CompletableFuture<Void> returned = new CompletableFuture<>();
        weightsInFlight = returned;
        deliver(new Delivery(new DriverLink.Command(Wire.PARAMS, step, offset, count, null, weights), returned));
    }

    @Override
    public void awaitWeightsWritten(Duration timeout) throws InterruptedException {
        CompletableFuture<Void> f = weightsInFlight;
        if (f == null) {
            return;
        }
        try {
            f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            weightsInFlight = null;
        } catch (TimeoutException e) {
            close("the worker still read the step's weights after " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            close("delivering the weights failed: " + e.getCause());
        }
    }

    @Override
    public void sendEnd(long step) {
        deliver(new Delivery(new DriverLink.Command(Wire.END, step, 0, 0, null, null), null));
    }

    @Override
    public Future<?> sendAbort(long step, String message) {
        deliver(new Delivery(new DriverLink.Command(Wire.ABORT, step, 0, 0, message, null), null));
        return CompletableFuture.completedFuture(null);
    }

    /** A closed link takes no more commands, as a closed socket writes nothing. */
    private void deliver(Delivery d) {
        if (!closed.get()) {
            inbox.add(d);
        }
    }

    @Override
    public void consumed() {
        mayContribute.release();
    }

    @Override
    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public String closeReason() {
        return closeReason;
    }

    @Override
    public void close(String reason) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closeReason = reason;
        inbox.add(CLOSED);
        // Wake a worker waiting to contribute; it sees the link closed.
        mayContribute.release(Integer.MAX_VALUE / 2);
        // A worker that is gone reads nothing any more.
        CompletableFuture<Void> f = weightsInFlight;
        if (f != null) {
            f.complete(null);
        }
        onClose.run();
        events.add(new ServerEvent.Closed(this, reason));
    }

    @Override
    public String toString() {
        return "worker " + identity.worker() + " (stage attempt " + identity.stageAttempt() + ", in the driver's JVM)";
    }

    /** The task's end: reads commands from the inbox, posts its gradients and errors as server events. */
    private final class WorkerSide implements DriverLink {
        private final long readTimeoutNanos;
        /** The weights this worker was lent last, until it is done reading them. */
        private CompletableFuture<Void> lent;

        WorkerSide(int readTimeoutMs) {
            this.readTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(readTimeoutMs);
        }

        @Override
        public Command next(float[] buffer) throws IOException {
            // Asking for the next command means the last weights are no longer read.
            returnWeights();
            Delivery d;
            try {
                d = inbox.poll(readTimeoutNanos, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the driver's next command");
            }
            if (d == null) {
                throw new SocketTimeoutException("no command from the driver within "
                        + TimeUnit.NANOSECONDS.toMillis(readTimeoutNanos) + " ms");
            }
            if (d == CLOSED) {
                inbox.add(CLOSED); // every later read fails too
                throw new IOException("connection closed: " + closeReason);
            }
            lent = d.returned();
            return d.command();
        }

        private void returnWeights() {
            if (lent != null) {
                lent.complete(null);
                lent = null;
            }
        }

        @Override
        public void sendGradient(long step, StepStats stats, long computeNanos, float[] grad) throws IOException {
            if (grad.length < numParameters) {
                throw new ProtocolException("gradient of " + grad.length + " values for a model of " + numParameters);
            }
            try {
                mayContribute.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while the driver still held the last gradient");
            }
            if (closed.get()) {
                throw new IOException("connection closed: " + closeReason);
            }
            returnWeights();
            events.add(new ServerEvent.Contribution(InProcessLink.this, step, stats, computeNanos, grad));
        }

        @Override
        public void sendError(long step, String message) {
            if (!closed.get()) {
                events.add(new ServerEvent.WorkerFailed(InProcessLink.this, step, message));
                InProcessLink.this.close("worker reported an error");
            }
        }

        @Override
        public void close() {
            InProcessLink.this.close("connection closed");
        }
    }
}
