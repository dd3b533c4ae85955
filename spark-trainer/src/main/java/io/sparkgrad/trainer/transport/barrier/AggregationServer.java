package io.sparkgrad.trainer.transport.barrier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The driver's aggregation server: accepts worker connections, authenticates them with the run's secret and turns
 * their frames into {@link ServerEvent}s on one queue. It holds no training state; the {@link BarrierCoordinator}
 * does. One acceptor thread, and one reader thread per connection (a worker count is a few dozen at most).
 */
final class AggregationServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AggregationServer.class);
    private static final int MAX_HANDSHAKES_IN_FLIGHT = 64;

    private final ServerSocket serverSocket;
    private final byte[] secret;
    private final int workers;
    private final int numParameters;
    private final int handshakeTimeoutMs;
    private final BlockingQueue<ServerEvent> events = new LinkedBlockingQueue<>();
    private final AtomicInteger handshakesInFlight = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();
    private final Thread acceptor;
    private volatile boolean closed;

    /**
     * @param bindHost           address to bind (the driver's bind address)
     * @param secret             the run's secret
     * @param workers            number of workers; a client must claim an index below it
     * @param numParameters      floats per gradient frame
     * @param handshakeTimeout   how long an unauthenticated client may take to prove itself
     */
    AggregationServer(String bindHost, byte[] secret, int workers, int numParameters, Duration handshakeTimeout) throws IOException {
        this.secret = secret.clone();
        this.workers = workers;
        this.numParameters = numParameters;
        this.handshakeTimeoutMs = Math.toIntExact(Math.max(1, handshakeTimeout.toMillis()));
        this.serverSocket = new ServerSocket();
        serverSocket.setReuseAddress(true);
        serverSocket.bind(new InetSocketAddress(InetAddress.getByName(bindHost), 0), 128);
        this.acceptor = new Thread(this::acceptLoop, "sparkgrad-agg-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The bound address. */
    InetSocketAddress address() {
        return (InetSocketAddress) serverSocket.getLocalSocketAddress();
    }

    BlockingQueue<ServerEvent> events() {
        return events;
    }

    /** Connections refused so far (failed authentication or broken handshakes). */
    long refusedConnections() {
        return refused.get();
    }

    private void acceptLoop() {
        int n = 0;
        while (!closed) {
            Socket s;
            try {
                s = serverSocket.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("aggregation server stopped accepting: {}", e.toString());
                }
                return;
            }
            if (handshakesInFlight.incrementAndGet() > MAX_HANDSHAKES_IN_FLIGHT) {
                handshakesInFlight.decrementAndGet();
                refused.incrementAndGet();
                closeQuietly(s);
                continue;
            }
            Thread t = new Thread(() -> serve(s), "sparkgrad-agg-conn-" + (n++));
            t.setDaemon(true);
            t.start();
        }
    }

    private void serve(Socket s) {
        WorkerConnection conn = null;
        FrameChannel ch = null;
        try {
            s.setSoTimeout(handshakeTimeoutMs);
            ch = new FrameChannel(s);
            Handshake.Identity id;
            try {
                id = Handshake.accept(ch, secret, workers);
            } finally {
                handshakesInFlight.decrementAndGet();
            }
            // After the handshake the coordinator owns time-outs (the step timeout): a worker may compute for long.
            s.setSoTimeout(0);
            conn = new WorkerConnection(ch, id, numParameters);
            events.add(new ServerEvent.Joined(conn));
            while (!conn.isClosed()) {
                ServerEvent ev = conn.readEvent();
                events.add(ev);
                if (ev instanceof ServerEvent.Contribution) {
                    conn.awaitConsumed();
                } else if (ev instanceof ServerEvent.WorkerFailed) {
                    break;
                }
            }
        } catch (IOException | InterruptedException e) {
            if (conn == null) {
                refused.incrementAndGet();
                LOG.warn("aggregation server refused a connection from {}: {}", s.getRemoteSocketAddress(), e.toString());
                if (ch != null) {
                    ch.close();
                } else {
                    closeQuietly(s);
                }
                return;
            }
            String reason = conn.isClosed() ? conn.closeReason()
                    : (e instanceof ProtocolException ? "protocol error: " + e.getMessage()
                    : (e instanceof SocketException || e instanceof java.io.EOFException ? "connection closed" : e.toString()));
            conn.close(reason);
            events.add(new ServerEvent.Closed(conn, reason));
            return;
        }
        conn.close("worker reported an error");
        events.add(new ServerEvent.Closed(conn, "worker reported an error"));
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // Nothing to do about a socket that will not close.
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            serverSocket.close();
        } catch (IOException ignored) {
            // The acceptor thread ends either way.
        }
    }
}
