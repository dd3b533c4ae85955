package io.sparkgrad.trainer.transport.barrier;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Frames stream record by record in both directions: the writer encodes each record from the float array as it
 * seals it, the reader opens one record at a time and decodes it into its destination. Whatever the record
 * boundaries cut, a frame arrives exactly, and the connection stays in step for the next frame.
 */
class FrameStreamingTest {

    private final byte[] secret = Handshake.newSecret();
    @AutoClose
    private AggregationServer server;

    ServerEvent next() throws InterruptedException {
        ServerEvent ev = server.events().poll(10, TimeUnit.SECONDS);
        assertTrue(ev != null, "no event from the server within 10 s");
        return ev;
    }

    static float[] distinct(int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = scale * (i - n / 3f) / 7f;
        }
        return v;
    }

    @Test
    void weightsOfManyRecordsReachTheWorkerExactlyAndTheArrayIsFreeOnceWritten() throws Exception {
        int n = 100_003; // 400 KB: seven records, the last one short
        server = new AggregationServer("127.0.0.1", secret, 1, n, Duration.ofSeconds(5));
        try (WorkerClient c = WorkerClient.connect("127.0.0.1", server.address().getPort(), secret, 0, 0, 0, n, 2000, 10_000)) {
            WorkerLink conn = assertInstanceOf(ServerEvent.Joined.class, next()).connection();
            float[] weights = distinct(n, 1);
            float[] received = new float[n];
            for (int step = 0; step < 3; step++) {
                conn.sendParams(step, 5 * step, 7, weights, n);
                DriverLink.Command cmd = c.next(received);
                assertEquals(Wire.PARAMS, cmd.type());
                assertEquals(step, cmd.step());
                assertEquals(5 * step, cmd.offset());
                assertEquals(7, cmd.count());
                assertArrayEquals(weights, received, 0f, "step " + step + "'s weights arrive exactly");
                conn.awaitWeightsWritten(Duration.ofSeconds(5));
                assertTrue(!conn.isClosed(), "a written frame leaves the connection open");
                // The array may change now; the next frame carries the new values.
                weights = distinct(n, step + 2);
            }
            conn.sendEnd(3);
            assertEquals(Wire.END, c.next(received).type());
        }
    }

    @Test
    void aMessageSpanningTwoRecordsArrivesWhole() throws Exception {
        server = new AggregationServer("127.0.0.1", secret, 1, 16, Duration.ofSeconds(5));
        StringBuilder m = new StringBuilder();
        while (m.length() < Wire.MAX_MESSAGE_BYTES + 100) {
            m.append("frame ").append(m.length()).append(';');
        }
        try (WorkerClient c = WorkerClient.connect("127.0.0.1", server.address().getPort(), secret, 0, 0, 0, 16, 2000, 10_000)) {
            assertInstanceOf(ServerEvent.Joined.class, next());
            c.sendError(4, m.toString());
            ServerEvent.WorkerFailed f = assertInstanceOf(ServerEvent.WorkerFailed.class, next());
            assertEquals(4, f.step());
            assertEquals(m.substring(0, Wire.MAX_MESSAGE_BYTES), f.message(), "the message, cut to the wire's limit, arrives whole");
        }
    }

    @Test
    void aFloatPayloadAfterAFixedPartThatSplitsFloatsIsRefusedBeforeItIsSent() {
        float[] v = distinct(40_000, 1);
        FrameChannel.Payload p = FrameChannel.floats(v, v.length);
        byte[] dst = new byte[FrameProtection.RECORD_BYTES];
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.copy(FrameProtection.RECORD_BYTES - 3, dst, 0, 100));
        assertTrue(e.getMessage().contains("must be a multiple of 4 bytes"), e.getMessage());
    }
}
