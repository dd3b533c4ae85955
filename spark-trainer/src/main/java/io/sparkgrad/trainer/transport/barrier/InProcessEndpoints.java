package io.sparkgrad.trainer.transport.barrier;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The aggregation servers of this JVM that take in-memory joins, by port. In local mode Spark runs the barrier tasks
 * in the driver's JVM; such a task finds its run's server here, proves it holds the run's secret, and exchanges
 * weights and gradients in memory: no socket, no frames to seal and open, no copies but the worker's own. A task in
 * another JVM finds nothing here (or a server with another secret) and connects over the socket as before.
 */
final class InProcessEndpoints {

    private static final ConcurrentHashMap<Integer, AggregationServer> BY_PORT = new ConcurrentHashMap<>();

    private InProcessEndpoints() {
    }

    static void register(AggregationServer server) {
        BY_PORT.put(server.port(), server);
    }

    static void unregister(AggregationServer server) {
        BY_PORT.remove(server.port(), server);
    }

    /** The server registered on {@code port}, whatever its secret (tests and diagnostics). */
    static Optional<AggregationServer> registered(int port) {
        return Optional.ofNullable(BY_PORT.get(port));
    }

    /** This JVM's server on {@code port}, if it takes in-memory joins and {@code secret} is its run's secret. */
    static Optional<AggregationServer> find(int port, byte[] secret) {
        AggregationServer s = BY_PORT.get(port);
        return s != null && s.holdsSecret(secret) ? Optional.of(s) : Optional.empty();
    }
}
