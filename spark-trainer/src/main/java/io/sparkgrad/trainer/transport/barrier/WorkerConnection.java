package io.sparkgrad.trainer.transport.barrier;

import io.sparkgrad.trainer.StepStats;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * The driver's end of one authenticated worker connection. Its reader thread turns frames into
 * {@link ServerEvent}s; the coordinator sends frames with {@link #sendParams}, {@link #sendEnd} and
 * {@link #sendAbort}. Frames above a few kilobytes are written by a per-connection writer thread, so a worker that
 * stops reading can never block the coordinator (and big weights go to several workers in parallel).
 */
final class WorkerConnection extends AbstractWorkerLink {

    private static final int DIRECT_WRITE_LIMIT = 64 * 1024;

    private final FrameChannel channel;
    private final int numParameters;
    private final float[] receive;
    /** One permit per frame the reader may read; the coordinator returns it after using a contribution. */
    private final Semaphore mayRead = new Semaphore(0);
    private ExecutorService writer;

    WorkerConnection(FrameChannel channel, Handshake.Identity identity, int numParameters) {
        super(identity);
        this.channel = channel;
        this.numParameters = numParameters;
        this.receive = new float[numParameters];
    }

    String peer() {
        return channel.peer();
    }

    /**
     * Reads the next frame and turns it into an event; blocks while the previous contribution is unconsumed.
     *
     * @throws IOException when the connection ends or the worker breaks the protocol
     */
    ServerEvent readEvent() throws IOException {
        int maxBody = Math.max(Wire.GRADIENT_FIXED + 4 * numParameters, 4 + Wire.MAX_MESSAGE_BYTES);
        FrameChannel.Header h = channel.readHeader(maxBody);
        if (h.worker() != worker()) {
            throw new ProtocolException("worker " + worker() + " sent a frame claiming to be worker " + h.worker());
        }
        switch (h.type()) {
            case Wire.GRADIENT -> {
                if (h.bodyLength() != Wire.GRADIENT_FIXED + 4 * numParameters) {
                    throw new ProtocolException("gradient frame of " + h.bodyLength() + " bytes, expected "
                            + (Wire.GRADIENT_FIXED + 4 * numParameters) + " for " + numParameters + " parameters");
                }
                ByteBuffer b = channel.readSmall(Wire.GRADIENT_FIXED);
                double loss = b.getDouble();
                long correct = b.getLong();
                long count = b.getLong();
                long nanos = b.getLong();
                int n = b.getInt();
                if (n != numParameters || count < 0 || correct < 0 || correct > count) {
                    throw new ProtocolException("gradient frame with n=" + n + " correct=" + correct + " count=" + count
                            + " (expected n=" + numParameters + ", 0 <= correct <= count)");
                }
                channel.readFloats(receive, n);
                return new ServerEvent.Contribution(this, h.step(), new StepStats(loss, correct, count), nanos, receive);
            }
            case Wire.ERROR -> {
                return new ServerEvent.WorkerFailed(this, h.step(), channel.readMessage(h.bodyLength()));
            }
            default -> throw new ProtocolException("a worker may not send frames of " + Wire.typeName(h.type()));
        }
    }

    /** Blocks the reader until the coordinator has used the last contribution (or the connection closes). */
    void awaitConsumed() throws InterruptedException {
        mayRead.acquire();
    }

    /** The coordinator is done with the last contribution's buffer. */
    @Override
    public void consumed() {
        mayRead.release();
    }

    /**
     * Sends a step's weights, {@code weights[0, n)}, and the worker's slice. A large frame is written by the writer
     * thread, which reads {@code weights} while it seals the records: the caller must not change the array before
     * {@link #awaitWeightsWritten} has returned.
     */
    @Override
    public void sendParams(long step, int offset, int count, float[] weights, int n) {
        byte[] fixed = new byte[Wire.PARAMS_FIXED];
        Wire.le(fixed).putInt(offset).putInt(count).putInt(n);
        weightsInFlight = send(Wire.PARAMS, step, fixed, FrameChannel.floats(weights, n));
    }

    @Override
    public void sendEnd(long step) {
        send(Wire.END, step, new byte[0], FrameChannel.bytes(new byte[0], 0));
    }

    /**
     * Sends ABORT on the writer thread (after any frame still being written) and returns at once: the caller decides
     * how long to wait for the returned future, which is done once the frame is written or could not be.
     */
    @Override
    public Future<?> sendAbort(long step, String message) {
        return onWriter(() -> {
            try {
                channel.writeMessage(Wire.ABORT, step, worker(), message);
            } catch (IOException e) {
                close("could not send abort: " + e.getMessage());
            }
        });
    }

    /** Writes a small frame at once, a large one on the writer thread; the future is done once it is written. */
    private Future<?> send(int type, long step, byte[] fixed, FrameChannel.Payload payload) {
        if (isClosed()) {
            return CompletableFuture.completedFuture(null);
        }
        if (fixed.length + payload.bytes() <= DIRECT_WRITE_LIMIT) {
            write(type, step, fixed, payload);
            return CompletableFuture.completedFuture(null);
        }
        return onWriter(() -> write(type, step, fixed, payload));
    }

    /** Runs {@code write} on this connection's writer thread; a closed connection writes nothing. */
    private synchronized Future<?> onWriter(Runnable write) {
        if (isClosed()) {
            return CompletableFuture.completedFuture(null);
        }
        if (writer == null) {
            writer = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "sparkgrad-agg-writer-" + worker());
                t.setDaemon(true);
                return t;
            });
        }
        return writer.submit(write);
    }

    private void write(int type, long step, byte[] fixed, FrameChannel.Payload payload) {
        try {
            channel.writeFrame(type, step, worker(), fixed, fixed.length, payload);
        } catch (IOException e) {
            // The reader thread sees the broken socket too and reports it as a Closed event.
            close("write failed: " + e.getMessage());
        }
    }

    @Override
    protected void onClose(String reason) {
        channel.close();
        mayRead.release(Integer.MAX_VALUE / 2);
        synchronized (this) {
            if (writer != null) {
                writer.shutdownNow();
            }
        }
    }

    @Override
    public String toString() {
        return describe(peer());
    }
}
