package io.sparkgrad.trainer.transport.barrier;

import io.sparkgrad.trainer.StepStats;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

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
final class InProcessLink extends AbstractWorkerLink {

    /** A command and, for PARAMS, the future done once the worker no longer reads the weights it was lent. */
    private record Delivery(DriverLink.Command command, CompletableFuture<Void> returned) {
    }

    /** Put on the inbox by {@link #close}: the worker's read after the commands before it fails. */
    private static final Delivery CLOSED = new Delivery(null, null);

    private final int numParameters;
    private final BlockingQueue<ServerEvent> events;
    private final Consumer<WorkerLink> forget;
    private final BlockingQueue<Delivery> inbox = new LinkedBlockingQueue<>();
    /** One contribution at a time: the coordinator's {@link #consumed} gives the worker's buffer back. */
    private final Semaphore mayContribute = new Semaphore(1);
    private final WorkerSide workerSide;

    /**
     * @param events        the aggregation server's event queue
     * @param readTimeoutMs how long the worker waits for a command before giving up on the driver
     * @param forget        given the link once when it closes (the server forgets it)
     */
    InProcessLink(Handshake.Identity identity, int numParameters, BlockingQueue<ServerEvent> events, int readTimeoutMs,
                  Consumer<WorkerLink> forget) {
        super(identity);
        this.numParameters = numParameters;
        this.events = events;
        this.forget = forget;
        this.workerSide = new WorkerSide(readTimeoutMs);
    }

    /** The task's end of this link. */
    DriverLink workerSide() {
        return workerSide;
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
        if (!isClosed()) {
            inbox.add(d);
        }
    }

    @Override
    public void consumed() {
        mayContribute.release();
    }

    @Override
    protected void onClose(String reason) {
        inbox.add(CLOSED);
        // Wake a worker waiting to contribute; it sees the link closed.
        mayContribute.release(Integer.MAX_VALUE / 2);
        // A worker that is gone reads nothing any more.
        if (weightsInFlight instanceof CompletableFuture<?> f) {
            f.complete(null);
        }
        forget.accept(this);
        events.add(new ServerEvent.Closed(this, reason));
    }

    @Override
    public String toString() {
        return describe("in the driver's JVM");
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
                throw new IOException("connection closed: " + closeReason());
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
            if (isClosed()) {
                throw new IOException("connection closed: " + closeReason());
            }
            returnWeights();
            events.add(new ServerEvent.Contribution(InProcessLink.this, step, stats, computeNanos, grad));
        }

        @Override
        public void sendError(long step, String message) {
            if (!isClosed()) {
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
