package io.sparkgrad.trainer.transport.barrier;

import io.sparkgrad.trainer.StepStats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A man in the middle between an authenticated worker and the aggregation server: a relay that parses the
 * worker's frames and replays, alters, injects or reorders them, and records every byte it forwards. Whatever it
 * does, the server accepts only the worker's own frames, in order, once; a tampered frame closes the connection
 * naming the worker and never becomes a contribution. With encryption on, the gradient cannot be read off the wire.
 */
class FrameTamperingTest {

    private static final int N = 64;
    private final byte[] secret = Handshake.newSecret();
    private AggregationServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** What the relay does with the worker's frame number {@code index}: the frames it sends on instead. */
    interface Tamper {
        List<byte[]> frames(int index, byte[] frame);
    }

    /** Relays one worker connection to the server, tampering with the worker's frames after the handshake. */
    static final class Relay implements AutoCloseable {
        final ServerSocket listen = new ServerSocket(0, 8, java.net.InetAddress.getLoopbackAddress());
        final ByteArrayOutputStream forwarded = new ByteArrayOutputStream();
        final List<byte[]> received = new CopyOnWriteArrayList<>();
        final List<Socket> sockets = new CopyOnWriteArrayList<>();

        Relay(InetSocketAddress server, Tamper tamper) throws IOException {
            Thread t = new Thread(() -> {
                try (Socket worker = listen.accept(); Socket driver = new Socket(server.getAddress(), server.getPort())) {
                    sockets.add(worker);
                    sockets.add(driver);
                    CompletableFuture.runAsync(() -> {
                        try {
                            driver.getInputStream().transferTo(worker.getOutputStream());
                        } catch (IOException ignored) {
                            // Either side closed.
                        }
                    });
                    DataInputStream in = new DataInputStream(worker.getInputStream());
                    OutputStream out = driver.getOutputStream();
                    byte[] auth = new byte[Wire.AUTH_BYTES];
                    in.readFully(auth);
                    send(out, auth);
                    for (int i = 0; ; i++) {
                        byte[] len = new byte[4];
                        in.readFully(len);
                        byte[] frame = new byte[4 + Wire.le(len).getInt()];
                        System.arraycopy(len, 0, frame, 0, 4);
                        in.readFully(frame, 4, frame.length - 4);
                        received.add(frame);
                        for (byte[] f : tamper.frames(i, frame)) {
                            send(out, f);
                        }
                    }
                } catch (IOException ignored) {
                    // The worker or the server closed: the relay is done.
                }
            }, "relay");
            t.setDaemon(true);
            t.start();
        }

        synchronized void send(OutputStream out, byte[] b) throws IOException {
            forwarded.write(b);
            out.write(b);
            out.flush();
        }

        int port() {
            return listen.getLocalPort();
        }

        synchronized byte[] forwardedBytes() {
            return forwarded.toByteArray();
        }

        @Override
        public void close() throws IOException {
            listen.close();
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    void start(FrameProtection.Mode mode) throws IOException {
        server = new AggregationServer(AggregationServer.bind("127.0.0.1", ChannelPorts.ANY), secret, mode, 2, N, Duration.ofSeconds(5));
    }

    WorkerClient connectVia(Relay relay, FrameProtection.Mode mode) throws IOException {
        return WorkerClient.connect("127.0.0.1", relay.port(), secret, mode, 0, 0, 0, N, 2000, 10_000);
    }

    static float[] knownGradient(float scale) {
        float[] g = new float[N];
        for (int i = 0; i < N; i++) {
            g[i] = scale * (1.2345678f + 0.0625f * i);
        }
        return g;
    }

    static void sendGradient(WorkerClient c, long step, float[] g) throws IOException {
        c.sendGradient(step, new StepStats(1.5, 1, 2), 1000, g);
    }

    ServerEvent next() throws InterruptedException {
        ServerEvent ev = server.events().poll(10, TimeUnit.SECONDS);
        assertTrue(ev != null, "no event from the server within 10 s");
        return ev;
    }

    /** The server's account of a tampered connection: it joined, then closed for failed authentication, nothing else. */
    void assertClosedForTampering() throws InterruptedException {
        assertInstanceOf(ServerEvent.Joined.class, next());
        ServerEvent ev = next();
        ServerEvent.Closed closed = assertInstanceOf(ServerEvent.Closed.class, ev, "expected the connection closed, got " + ev);
        assertEquals(0, closed.connection().worker());
        assertTrue(closed.reason().contains("failed authentication"), closed.reason());
        assertTrue(closed.connection().toString().startsWith("worker 0 "), closed.connection().toString());
        assertTrue(server.events().isEmpty(), "nothing after the close: " + server.events());
    }

    @ParameterizedTest
    @EnumSource(FrameProtection.Mode.class)
    void aReplayedFrameIsRefusedAfterTheOriginalCounted(FrameProtection.Mode mode) throws Exception {
        start(mode);
        float[] g = knownGradient(1);
        try (Relay relay = new Relay(server.address(), (i, f) -> List.of(f, f)); WorkerClient c = connectVia(relay, mode)) {
            sendGradient(c, 0, g);
            assertInstanceOf(ServerEvent.Joined.class, next());
            ServerEvent.Contribution first = assertInstanceOf(ServerEvent.Contribution.class, next());
            assertEquals(0, first.step());
            assertArrayEquals(g, first.grad(), 0f);
            first.connection().consumed();
            ServerEvent.Closed closed = assertInstanceOf(ServerEvent.Closed.class, next());
            assertTrue(closed.reason().contains("frame 1 of the connection (GRADIENT, step 0) failed authentication"), closed.reason());
            assertTrue(server.events().isEmpty(), "the replay never became a contribution");
        }
    }

    /** The worker sends gradients for steps 0 .. {@code gradients - 1} through a tampering relay. */
    void assertTamperingRefused(FrameProtection.Mode mode, Tamper tamper, int gradients) throws Exception {
        start(mode);
        try (Relay relay = new Relay(server.address(), tamper); WorkerClient c = connectVia(relay, mode)) {
            for (int step = 0; step < gradients; step++) {
                sendGradient(c, step, knownGradient(step + 1));
            }
            assertClosedForTampering();
        }
    }

    static Tamper alter(java.util.function.Consumer<byte[]> change) {
        return (i, f) -> {
            byte[] t = f.clone();
            change.accept(t);
            return List.of(t);
        };
    }

    @ParameterizedTest
    @EnumSource(FrameProtection.Mode.class)
    void aFlippedPayloadByteIsRefused(FrameProtection.Mode mode) throws Exception {
        assertTamperingRefused(mode, alter(t -> t[Wire.HEADER_BYTES + Wire.GRADIENT_FIXED + 9] ^= 0x01), 1);
    }

    @ParameterizedTest
    @EnumSource(FrameProtection.Mode.class)
    void anAlteredHeaderIsRefused(FrameProtection.Mode mode) throws Exception {
        assertTamperingRefused(mode, alter(t -> Wire.le(t).putLong(8, 3)), 1); // step 0 -> step 3
    }

    @ParameterizedTest
    @EnumSource(FrameProtection.Mode.class)
    void anInjectedFrameIsRefused(FrameProtection.Mode mode) throws Exception {
        int tag = mode == FrameProtection.Mode.AES_GCM ? FrameProtection.AesGcm.TAG_BYTES : Wire.MAC_BYTES;
        // A well-formed gradient frame for step 0 with a body of the attacker's choice and a tag guessed at random.
        byte[] forged = new byte[Wire.HEADER_BYTES + Wire.GRADIENT_FIXED + 4 * N + tag];
        new Random(5).nextBytes(forged);
        Wire.le(forged).putInt(forged.length - 4).putInt(Wire.GRADIENT).putLong(0).putInt(0);
        assertTamperingRefused(mode, (i, f) -> i == 0 ? List.of(forged, f) : List.of(f), 1);
    }

    @ParameterizedTest
    @EnumSource(FrameProtection.Mode.class)
    void aFrameFromAnotherConnectionIsRefused(FrameProtection.Mode mode) throws Exception {
        start(mode);
        byte[] captured;
        try (Relay relay = new Relay(server.address(), (i, f) -> List.of(f)); WorkerClient c = connectVia(relay, mode)) {
            sendGradient(c, 0, knownGradient(1));
            assertInstanceOf(ServerEvent.Joined.class, next());
            ServerEvent.Contribution ok = assertInstanceOf(ServerEvent.Contribution.class, next());
            captured = relay.received.get(0);
            ok.connection().close("test done with it");
            ok.connection().consumed();
            assertInstanceOf(ServerEvent.Closed.class, next());
        }
        // The same worker, a new connection: its first frame is swapped for the one captured on the first.
        try (Relay relay = new Relay(server.address(), (i, f) -> List.of(captured)); WorkerClient c = connectVia(relay, mode)) {
            sendGradient(c, 0, knownGradient(1));
            assertClosedForTampering();
        }
    }

    @ParameterizedTest
    @EnumSource(FrameProtection.Mode.class)
    void reorderedFramesAreRefused(FrameProtection.Mode mode) throws Exception {
        List<byte[]> held = new ArrayList<>();
        assertTamperingRefused(mode, (i, f) -> {
            if (i == 0) {
                held.add(f);
                return List.of();
            }
            return List.of(f, held.get(0));
        }, 2);
    }

    /** The gradient's little-endian bytes, as they would cross an unencrypted channel. */
    static byte[] plaintext(float[] g) {
        return Wire.encodeFloats(g, g.length);
    }

    static boolean contains(byte[] haystack, byte[] needle, int from, int len) {
        outer:
        for (int i = 0; i + len <= haystack.length; i++) {
            for (int j = 0; j < len; j++) {
                if (haystack[i + j] != needle[from + j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    @Test
    void withEncryptionTheGradientCannotBeReadOffTheWire() throws Exception {
        float[] g = knownGradient(1);
        byte[] clear = plaintext(g);
        for (FrameProtection.Mode mode : FrameProtection.Mode.values()) {
            if (server != null) {
                server.close();
            }
            start(mode);
            byte[] wire;
            try (Relay relay = new Relay(server.address(), (i, f) -> List.of(f)); WorkerClient c = connectVia(relay, mode)) {
                sendGradient(c, 0, g);
                assertInstanceOf(ServerEvent.Joined.class, next());
                ServerEvent.Contribution got = assertInstanceOf(ServerEvent.Contribution.class, next());
                assertArrayEquals(g, got.grad(), 0f, mode + ": the server reads the exact gradient");
                got.connection().consumed();
                wire = relay.forwardedBytes();
            }
            boolean anyWindow = false;
            for (int k = 0; k + 8 <= clear.length; k += 4) {
                anyWindow |= contains(wire, clear, k, 8);
            }
            if (mode == FrameProtection.Mode.AES_GCM) {
                assertFalse(anyWindow, "no two consecutive gradient floats appear on an encrypted wire");
            } else {
                assertTrue(contains(wire, clear, 0, clear.length), "the check can see a cleartext gradient (HMAC mode sends it readable)");
            }
        }
    }

    @Test
    void largeEncryptedFramesTravelInRecordsAndATamperedLaterRecordIsRefused() throws Exception {
        int big = 10_000; // 40 KB of gradient: three 16 KiB records
        float[] g = new float[big];
        for (int i = 0; i < big; i++) {
            g[i] = 0.001f * i - 3f;
        }
        FrameProtection.Mode mode = FrameProtection.Mode.AES_GCM;
        server = new AggregationServer(AggregationServer.bind("127.0.0.1", ChannelPorts.ANY), secret, mode, 2, big, Duration.ofSeconds(5));
        int third = Wire.HEADER_BYTES + 2 * (FrameProtection.AesGcm.RECORD_BYTES + FrameProtection.AesGcm.TAG_BYTES) + 100;
        try (Relay relay = new Relay(server.address(), (i, f) -> {
            if (i == 0) {
                return List.of(f);
            }
            byte[] t = f.clone();
            t[third] ^= 0x40;
            return List.of(t);
        }); WorkerClient c = WorkerClient.connect("127.0.0.1", relay.port(), secret, mode, 0, 0, 0, big, 2000, 10_000)) {
            c.sendGradient(0, new StepStats(1, 0, 2), 0, g);
            assertInstanceOf(ServerEvent.Joined.class, next());
            ServerEvent.Contribution ok = assertInstanceOf(ServerEvent.Contribution.class, next());
            assertArrayEquals(g, ok.grad(), 0f, "an untouched three-record frame arrives exactly");
            ok.connection().consumed();
            c.sendGradient(1, new StepStats(1, 0, 2), 0, g);
            ServerEvent.Closed closed = assertInstanceOf(ServerEvent.Closed.class, next());
            assertTrue(closed.reason().contains("frame 1 of the connection (GRADIENT, step 1) failed authentication"), closed.reason());
        }
    }

    @Test
    void aWorkerExpectingEncryptionRefusesAServerThatDoesNotOfferIt() throws Exception {
        start(FrameProtection.Mode.HMAC_SHA256);
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> WorkerClient.connect("127.0.0.1", server.address().getPort(), secret, FrameProtection.Mode.AES_GCM, 0, 0, 0, N, 2000, 2000));
        assertTrue(e.getMessage().contains("announces frame protection HMAC_SHA256") && e.getMessage().contains("the run uses AES_GCM"),
                e.getMessage());
    }

    @Test
    void aHandshakeWhoseModeWasRewrittenOnTheWayFails() throws Exception {
        // A relay that rewrites the server's announced mode (a downgrade attempt against a worker that expects it):
        // the proofs cover the mode, so the server refuses the worker's proof.
        start(FrameProtection.Mode.AES_GCM);
        try (ServerSocket listen = new ServerSocket(0, 8, java.net.InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> relay = CompletableFuture.runAsync(() -> {
                try (Socket w = listen.accept(); Socket d = new Socket("127.0.0.1", server.address().getPort())) {
                    byte[] hello = d.getInputStream().readNBytes(Wire.HELLO_BYTES);
                    Wire.le(hello).putInt(8, FrameProtection.Mode.HMAC_SHA256.wireCode);
                    w.getOutputStream().write(hello);
                    d.getOutputStream().write(w.getInputStream().readNBytes(Wire.AUTH_BYTES));
                    d.getInputStream().transferTo(w.getOutputStream());
                } catch (IOException ignored) {
                    // Closed.
                }
            });
            IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                    () -> WorkerClient.connect("127.0.0.1", listen.getLocalPort(), secret, FrameProtection.Mode.HMAC_SHA256, 0, 0, 0, N, 2000, 2000));
            assertTrue(e.getMessage().contains("refused worker 0"), e.getMessage());
            relay.get(5, TimeUnit.SECONDS);
        }
    }
}
