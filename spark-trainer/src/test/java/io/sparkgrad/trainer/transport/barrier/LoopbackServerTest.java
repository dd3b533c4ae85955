package io.sparkgrad.trainer.transport.barrier;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A barrier test whose fake workers talk to a real {@link AggregationServer} on loopback: {@link #N} parameters,
 * {@link #workers()} workers, a 2 s handshake timeout; a fresh server and secret for every test.
 */
abstract class LoopbackServerTest {

    static final int N = 5;
    final byte[] secret = Handshake.newSecret();
    AggregationServer server;

    /** The workers the server waits for. */
    abstract int workers();

    @BeforeEach
    void startServer() throws IOException {
        server = new AggregationServer("127.0.0.1", secret, workers(), N, Duration.ofSeconds(2));
    }

    @AfterEach
    void stopServer() {
        server.close();
    }
}
