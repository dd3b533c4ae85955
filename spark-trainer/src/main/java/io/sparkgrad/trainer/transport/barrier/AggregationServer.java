package io.sparkgrad.trainer.transport.barrier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.EOFException;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static io.sparkgrad.trainer.transport.barrier.FrameChannel.closeQuietly;

/**
 * The driver's aggregation server: accepts worker connections, authenticates them with the run's secret and turns
 * their frames into {@link ServerEvent}s on one queue. It holds no training state; the {@link BarrierCoordinator}
 * does. One acceptor thread, and one reader thread per connection (a worker count is a few dozen at most).
 *
 * <p>Unauthenticated clients are bounded: each handshake has one overall deadline (a client trickling bytes does
 * not reset it), at most {@value #MAX_HANDSHAKES_PER_SOURCE} handshakes run at once per source address and
 * {@value #MAX_HANDSHAKES_IN_FLIGHT} in all, so slow or silent clients from a few addresses cannot lock the workers
 * out. Refusals are logged at most once per {@value #REFUSAL_LOG_SECONDS} s. An {@code accept()} error is logged and
 * the loop goes on after a short pause. Closing the server closes every connection it accepted.
 */
final class AggregationServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AggregationServer.class);
    static final int MAX_HANDSHAKES_IN_FLIGHT = 64;
    static final int MAX_HANDSHAKES_PER_SOURCE = 8;
    static final int REFUSAL_LOG_SECONDS = 10;

    private final ServerSocket serverSocket;
    private final byte[] secret;
    private final int workers;
    private final int numParameters;
    private final int handshakeTimeoutMs;
    private final BlockingQueue<ServerEvent> events = new LinkedBlockingQueue<>();
    private final AtomicInteger handshakesInFlight = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, Integer> handshakesBySource = new ConcurrentHashMap<>();
    private final Set<Socket> handshaking = ConcurrentHashMap.newKeySet();
    private final Set<WorkerLink> connections = ConcurrentHashMap.newKeySet();
    private final AtomicLong inProcessJoins = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong acceptFailures = new AtomicLong();
    private final RefusalLog refusalLog = new RefusalLog(TimeUnit.SECONDS.toNanos(REFUSAL_LOG_SECONDS), System::nanoTime, LOG::warn);
    private final ScheduledExecutorService deadlines;
    private final Thread acceptor;
    private volatile boolean closed;

    /** On any free port of {@code bindHost} (tests and the probe). */
    AggregationServer(String bindHost, byte[] secret, int workers, int numParameters, Duration handshakeTimeout) throws IOException {
        this(bind(bindHost, ChannelPorts.ANY), secret, workers, numParameters, handshakeTimeout);
    }

    /**
     * @param bound            the listening socket ({@link #bind}); the server owns it from here on
     * @param secret           the run's secret
     * @param workers          number of workers; a client must claim an index below it
     * @param numParameters    floats per gradient frame
     * @param handshakeTimeout how long an unauthenticated client may take to prove itself, all reads together
     */
    AggregationServer(ServerSocket bound, byte[] secret, int workers, int numParameters, Duration handshakeTimeout) {
        this.serverSocket = bound;
        this.secret = secret.clone();
        this.workers = workers;
        this.numParameters = numParameters;
        this.handshakeTimeoutMs = Math.toIntExact(Math.max(1, handshakeTimeout.toMillis()));
        this.deadlines = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sparkgrad-agg-deadlines");
            t.setDaemon(true);
            return t;
        });
        this.acceptor = new Thread(this::acceptLoop, "sparkgrad-agg-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * Binds a listening socket on {@code host} at the first free port of {@code ports}.
     *
     * @throws BindException naming the host and the ports when none is free
     */
    static ServerSocket bind(String host, ChannelPorts ports) throws IOException {
        InetAddress address = InetAddress.getByName(host);
        IOException last = null;
        for (int port = ports.low(); port <= ports.high(); port++) {
            ServerSocket s = new ServerSocket();
            try {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(address, port), 128);
                return s;
            } catch (IOException e) {
                s.close();
                last = e;
            }
        }
        BindException e = new BindException("no free port for the aggregation server on " + host + " in " + ports
                + (last != null ? " (last error: " + last.getMessage() + ")" : ""));
        e.initCause(last);
        throw e;
    }

    /** The bound address. */
    InetSocketAddress address() {
        return (InetSocketAddress) serverSocket.getLocalSocketAddress();
    }

    BlockingQueue<ServerEvent> events() {
        return events;
    }

    /** Connections refused so far (failed authentication, broken or slow handshakes, over the limits). */
    long refusedConnections() {
        return refused.get();
    }

    /** {@code accept()} calls that failed and were survived. */
    long acceptFailures() {
        return acceptFailures.get();
    }

    private void acceptLoop() {
        int n = 0;
        int failuresInRow = 0;
        while (!closed) {
            Socket s;
            try {
                s = serverSocket.accept();
                failuresInRow = 0;
            } catch (IOException e) {
                if (closed || serverSocket.isClosed()) {
                    if (!closed) {
                        LOG.warn("aggregation server stopped accepting: its socket closed ({})", e.toString());
                    }
                    return;
                }
                // E.g. EMFILE (too many open files) or a connection reset before accept: the socket still listens.
                acceptFailures.incrementAndGet();
                failuresInRow++;
                if (failuresInRow == 1 || Integer.bitCount(failuresInRow) == 1) {
                    LOG.warn("aggregation server: accept() failed ({} in a row), retrying: {}", failuresInRow, e.toString());
                }
                try {
                    Thread.sleep(Math.min(1000, 10L << Math.min(failuresInRow, 7)));
                } catch (InterruptedException ie) {
                    return;
                }
                continue;
            }
            InetAddress source = s.getInetAddress();
            String limit = admit(source);
            if (limit != null) {
                refuse(s.getRemoteSocketAddress(), limit);
                closeQuietly(s);
                continue;
            }
            handshaking.add(s);
            if (closed) {
                closeQuietly(s);
                release(source);
                return;
            }
            Thread t = new Thread(() -> serve(s, source), "sparkgrad-agg-conn-" + (n++));
            t.setDaemon(true);
            t.start();
        }
    }

    /** Takes a handshake slot for {@code source}, or says which limit is reached. */
    private String admit(InetAddress source) {
        if (handshakesInFlight.incrementAndGet() > MAX_HANDSHAKES_IN_FLIGHT) {
            handshakesInFlight.decrementAndGet();
            return MAX_HANDSHAKES_IN_FLIGHT + " unauthenticated connections are open";
        }
        int[] now = new int[1];
        handshakesBySource.compute(source, (k, v) -> {
            now[0] = v == null ? 1 : v + 1;
            return now[0] > MAX_HANDSHAKES_PER_SOURCE ? v : now[0];
        });
        if (now[0] > MAX_HANDSHAKES_PER_SOURCE) {
            handshakesInFlight.decrementAndGet();
            return MAX_HANDSHAKES_PER_SOURCE + " unauthenticated connections from " + source.getHostAddress() + " are open";
        }
        return null;
    }

    private void release(InetAddress source) {
        handshakesInFlight.decrementAndGet();
        handshakesBySource.computeIfPresent(source, (k, v) -> v <= 1 ? null : v - 1);
    }

    private void refuse(Object peer, String why) {
        refused.incrementAndGet();
        refusalLog.refused(String.valueOf(peer), why);
    }

    private void serve(Socket s, InetAddress source) {
        // 0 while the handshake runs, 1 once it succeeded, 2 once its deadline closed the socket.
        AtomicInteger state = new AtomicInteger();
        var deadline = deadlines.schedule(() -> {
            if (state.compareAndSet(0, 2)) {
                closeQuietly(s);
            }
        }, handshakeTimeoutMs, TimeUnit.MILLISECONDS);
        FrameChannel ch = null;
        Handshake.Identity id;
        // The first frames would otherwise run the JDK's GCM code uncompiled (once per JVM; in-memory joins need none).
        CipherWarmUp.startOnce();
        try {
            // The per-read timeout only bounds a read; the deadline above bounds the whole handshake.
            s.setSoTimeout(handshakeTimeoutMs);
            ch = new FrameChannel(s);
            id = Handshake.accept(ch, secret, workers);
            if (!state.compareAndSet(0, 1)) {
                throw new IOException("handshake deadline passed");
            }
            // After the handshake the coordinator owns time-outs (the step timeout): a worker may compute for long.
            s.setSoTimeout(0);
        } catch (IOException | RuntimeException e) {
            refuse(s.getRemoteSocketAddress(), state.get() == 2
                    ? "handshake not complete within its deadline of " + handshakeTimeoutMs + " ms" : e.toString());
            if (ch != null) {
                ch.close();
            } else {
                closeQuietly(s);
            }
            return;
        } finally {
            deadline.cancel(false);
            handshaking.remove(s);
            release(source);
        }
        WorkerConnection conn = new WorkerConnection(ch, id, numParameters);
        connections.add(conn);
        if (closed) {
            conn.close("aggregation server closed");
        }
        try {
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
            String reason = conn.isClosed() ? conn.closeReason()
                    : (e instanceof ProtocolException ? "protocol error: " + e.getMessage()
                    : (e instanceof SocketException || e instanceof EOFException ? "connection closed" : e.toString()));
            if (e instanceof ProtocolException && !conn.isClosed()) {
                // An authenticated worker (or someone on the path) broke the protocol: always worth a line.
                LOG.warn("aggregation server closed the connection of {}: {}", conn, reason);
            }
            conn.close(reason);
            events.add(new ServerEvent.Closed(conn, reason));
            return;
        } finally {
            connections.remove(conn);
        }
        String reason = conn.isClosed() ? conn.closeReason() : "worker reported an error";
        conn.close(reason);
        events.add(new ServerEvent.Closed(conn, reason));
    }

    /**
     * Lets tasks that run in this JVM join in memory ({@link InProcessLink}) instead of over a socket: registers the
     * server with {@link InProcessEndpoints} until it closes.
     */
    void acceptInProcess() {
        InProcessEndpoints.register(this);
    }

    /** Whether {@code candidate} is this server's secret (constant time). */
    boolean holdsSecret(byte[] candidate) {
        return MessageDigest.isEqual(secret, candidate);
    }

    /**
     * Joins a worker whose task runs in this JVM and holds the run's secret ({@link InProcessEndpoints#find} checked
     * it): the coordinator gets a {@link ServerEvent.Joined} as for a socket, and the task its end of the link.
     *
     * @throws IOException when the server is closed or the identity is out of range, as a handshake would refuse it
     */
    DriverLink joinInProcess(int worker, int stageAttempt, int epoch, int readTimeoutMs) throws IOException {
        if (worker < 0 || worker >= workers || stageAttempt < 0 || epoch < 0) {
            throw new ProtocolException("in-process join refused: worker " + worker + " (of " + workers + "), stage attempt "
                    + stageAttempt + ", epoch " + epoch);
        }
        InProcessLink link = new InProcessLink(new Handshake.Identity(worker, stageAttempt, epoch), numParameters, events,
                readTimeoutMs, connections::remove);
        connections.add(link);
        if (closed) {
            link.close("aggregation server closed");
            throw new java.net.SocketException("the aggregation server is closed");
        }
        inProcessJoins.incrementAndGet();
        events.add(new ServerEvent.Joined(link));
        return link.workerSide();
    }

    /** Workers that joined in memory so far (tests and diagnostics). */
    long inProcessJoins() {
        return inProcessJoins.get();
    }

    /** The port it listens on. */
    int port() {
        return serverSocket.getLocalPort();
    }

    /** Stops accepting and closes every connection, authenticated or still in its handshake. */
    @Override
    public void close() {
        closed = true;
        // The acceptor thread ends either way.
        closeQuietly(serverSocket);
        for (Socket s : handshaking) {
            closeQuietly(s);
        }
        InProcessEndpoints.unregister(this);
        for (WorkerLink c : connections) {
            c.close("aggregation server closed");
        }
        deadlines.shutdownNow();
    }
}
