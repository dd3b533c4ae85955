package io.sparkgrad.trainer.transport.barrier;

import io.sparkgrad.trainer.StepStats;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;

/**
 * A worker's end of the aggregation channel: connect and authenticate, then read the driver's commands and send
 * gradient sums. Used on the executors by the barrier task; public to this package only.
 */
final class WorkerClient implements DriverLink {

    private final FrameChannel channel;
    private final int worker;
    private final int numParameters;
    private final byte[] fixed = new byte[Wire.GRADIENT_FIXED];

    private WorkerClient(FrameChannel channel, int worker, int numParameters) {
        this.channel = channel;
        this.worker = worker;
        this.numParameters = numParameters;
    }

    /**
     * Connects and authenticates. A server that closes the connection before its greeting is over its limit of
     * unauthenticated connections (someone may be flooding it): the client tries again, with growing pauses, until
     * {@code connectTimeoutMs} has passed.
     *
     * @param readTimeoutMs how long to wait for the driver's next command before giving up on it
     */
    static WorkerClient connect(String host, int port, byte[] secret, int worker, int stageAttempt, int epoch, int numParameters,
                                int connectTimeoutMs, int readTimeoutMs) throws IOException {
        long deadline = System.nanoTime() + connectTimeoutMs * 1_000_000L;
        long pause = 20;
        while (true) {
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress(host, port), connectTimeoutMs);
                s.setSoTimeout(readTimeoutMs);
                FrameChannel ch = new FrameChannel(s);
                Handshake.connect(ch, secret, worker, stageAttempt, epoch);
                return new WorkerClient(ch, worker, numParameters);
            } catch (Handshake.NoGreeting e) {
                s.close();
                if (System.nanoTime() + pause * 1_000_000L > deadline) {
                    throw new IOException("the aggregation server at " + host + ":" + port + " kept closing worker " + worker
                            + "'s connection before its greeting for " + connectTimeoutMs + " ms (too many unauthenticated "
                            + "connections: is someone flooding the driver?)", e);
                }
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while reconnecting");
                }
                pause = Math.min(1000, 2 * pause);
            } catch (IOException | RuntimeException e) {
                s.close();
                throw e;
            }
        }
    }

    /** The channel (tests that speak the protocol by hand). */
    FrameChannel channel() {
        return channel;
    }

    @Override
    public Command next(float[] params) throws IOException {
        int maxBody = Math.max(Wire.PARAMS_FIXED + 4 * numParameters, 4 + Wire.MAX_MESSAGE_BYTES);
        FrameChannel.Header h = channel.readHeader(maxBody);
        if (h.worker() != worker) {
            throw new ProtocolException("the driver addressed worker " + h.worker() + " on worker " + worker + "'s connection");
        }
        switch (h.type()) {
            case Wire.PARAMS -> {
                ByteBuffer b = channel.readSmall(Wire.PARAMS_FIXED);
                int offset = b.getInt();
                int count = b.getInt();
                int n = b.getInt();
                if (n != numParameters || h.bodyLength() != Wire.PARAMS_FIXED + 4 * n) {
                    throw new ProtocolException("weights frame with " + n + " values for a model of " + numParameters);
                }
                channel.readFloats(params, n);
                return new Command(Wire.PARAMS, h.step(), offset, count, null, params);
            }
            case Wire.END -> {
                channel.skip(h.bodyLength());
                return new Command(Wire.END, h.step(), 0, 0, null, null);
            }
            case Wire.ABORT -> {
                return new Command(Wire.ABORT, h.step(), 0, 0, channel.readMessage(h.bodyLength()), null);
            }
            default -> throw new ProtocolException("the driver sent a frame of " + Wire.typeName(h.type()));
        }
    }

    /** Sends one step's gradient sum and stats as one frame, encoded record by record as it is sealed and written. */
    @Override
    public void sendGradient(long step, StepStats stats, long computeNanos, float[] grad) throws IOException {
        Wire.le(fixed).putDouble(stats.lossSum()).putLong(stats.correct()).putLong(stats.count()).putLong(computeNanos)
                .putInt(numParameters);
        channel.writeFrame(Wire.GRADIENT, step, worker, fixed, Wire.GRADIENT_FIXED, FrameChannel.floats(grad, numParameters));
    }

    @Override
    public void sendError(long step, String message) {
        try {
            channel.writeMessage(Wire.ERROR, step, worker, message);
        } catch (IOException ignored) {
            // The driver sees the connection drop instead.
        }
    }

    @Override
    public void close() {
        channel.close();
    }
}
