package io.sparkgrad.trainer.transport.barrier;

import io.sparkgrad.trainer.StepStats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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
 * naming the worker and never becomes a contribution. Every frame is encrypted, so the gradient cannot be read off
 * the wire, and a server announcing any other frame protection is refused.
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

    void start() throws IOException {
        server = new AggregationServer("127.0.0.1", secret, 2, N, Duration.ofSeconds(5));
    }

    WorkerClient connectVia(Relay relay) throws IOException {
        return WorkerClient.connect("127.0.0.1", relay.port(), secret, 0, 0, 0, N, 2000, 10_000);
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

    @Test
    void aReplayedFrameIsRefusedAfterTheOriginalCounted() throws Exception {
        start();
        float[] g = knownGradient(1);
        try (Relay relay = new Relay(server.address(), (i, f) -> List.of(f, f)); WorkerClient c = connectVia(relay)) {
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
    void assertTamperingRefused(Tamper tamper, int gradients) throws Exception {
        start();
        try (Relay relay = new Relay(server.address(), tamper); WorkerClient c = connectVia(relay)) {
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

    @Test
    void aFlippedPayloadByteIsRefused() throws Exception {
        assertTamperingRefused(alter(t -> t[Wire.HEADER_BYTES + Wire.GRADIENT_FIXED + 9] ^= 0x01), 1);
    }

    @Test
    void anAlteredHeaderIsRefused() throws Exception {
        assertTamperingRefused(alter(t -> Wire.le(t).putLong(8, 3)), 1); // step 0 -> step 3
    }

    @Test
    void anInjectedFrameIsRefused() throws Exception {
        int tag = FrameProtection.TAG_BYTES;
        // A well-formed gradient frame for step 0 with a body of the attacker's choice and a tag guessed at random.
        byte[] forged = new byte[Wire.HEADER_BYTES + Wire.GRADIENT_FIXED + 4 * N + tag];
        new Random(5).nextBytes(forged);
        Wire.le(forged).putInt(forged.length - 4).putInt(Wire.GRADIENT).putLong(0).putInt(0);
        assertTamperingRefused((i, f) -> i == 0 ? List.of(forged, f) : List.of(f), 1);
    }

    @Test
    void aFrameFromAnotherConnectionIsRefused() throws Exception {
        start();
        byte[] captured;
        try (Relay relay = new Relay(server.address(), (i, f) -> List.of(f)); WorkerClient c = connectVia(relay)) {
            sendGradient(c, 0, knownGradient(1));
            assertInstanceOf(ServerEvent.Joined.class, next());
            ServerEvent.Contribution ok = assertInstanceOf(ServerEvent.Contribution.class, next());
            captured = relay.received.get(0);
            ok.connection().close("test done with it");
            ok.connection().consumed();
            assertInstanceOf(ServerEvent.Closed.class, next());
        }
        // The same worker, a new connection: its first frame is swapped for the one captured on the first.
        try (Relay relay = new Relay(server.address(), (i, f) -> List.of(captured)); WorkerClient c = connectVia(relay)) {
            sendGradient(c, 0, knownGradient(1));
            assertClosedForTampering();
        }
    }

    @Test
    void reorderedFramesAreRefused() throws Exception {
        List<byte[]> held = new ArrayList<>();
        assertTamperingRefused((i, f) -> {
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
    void theGradientCannotBeReadOffTheWire() throws Exception {
        float[] g = knownGradient(1);
        byte[] clear = plaintext(g);
        start();
        byte[] wire;
        try (Relay relay = new Relay(server.address(), (i, f) -> List.of(f)); WorkerClient c = connectVia(relay)) {
            sendGradient(c, 0, g);
            assertInstanceOf(ServerEvent.Joined.class, next());
            ServerEvent.Contribution got = assertInstanceOf(ServerEvent.Contribution.class, next());
            assertArrayEquals(g, got.grad(), 0f, "the server reads the exact gradient");
            got.connection().consumed();
            wire = relay.forwardedBytes();
        }
        assertTrue(wire.length >= Wire.AUTH_BYTES + Wire.HEADER_BYTES + clear.length, "the relay saw the whole frame");
        for (int k = 0; k + 8 <= clear.length; k += 4) {
            assertFalse(contains(wire, clear, k, 8), "gradient floats " + k / 4 + ".." + (k / 4 + 1) + " appear on the wire");
        }
    }

    @Test
    void largeEncryptedFramesTravelInRecordsAndATamperedLaterRecordIsRefused() throws Exception {
        int big = 40_000; // 160 KB of gradient: three 64 KiB records
        float[] g = new float[big];
        for (int i = 0; i < big; i++) {
            g[i] = 0.001f * i - 3f;
        }
        assertEquals(3, FrameProtection.records(Wire.GRADIENT_FIXED + 4L * big), "the frame spans three records");
        server = new AggregationServer("127.0.0.1", secret, 2, big, Duration.ofSeconds(5));
        int third = Wire.HEADER_BYTES + 2 * (FrameProtection.RECORD_BYTES + FrameProtection.TAG_BYTES) + 100;
        try (Relay relay = new Relay(server.address(), (i, f) -> {
            if (i == 0) {
                return List.of(f);
            }
            byte[] t = f.clone();
            t[third] ^= 0x40;
            return List.of(t);
        }); WorkerClient c = WorkerClient.connect("127.0.0.1", relay.port(), secret, 0, 0, 0, big, 2000, 10_000)) {
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

    /**
     * A relay that rewrites the server's greeting on the way to the worker, then passes everything else through.
     * Returns the worker's connect failure.
     */
    IOException connectThroughRewrittenGreeting(java.util.function.Consumer<java.nio.ByteBuffer> rewrite) throws Exception {
        start();
        try (ServerSocket listen = new ServerSocket(0, 8, java.net.InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> relay = CompletableFuture.runAsync(() -> {
                try (Socket w = listen.accept(); Socket d = new Socket("127.0.0.1", server.address().getPort())) {
                    byte[] hello = d.getInputStream().readNBytes(Wire.HELLO_BYTES);
                    rewrite.accept(Wire.le(hello));
                    w.getOutputStream().write(hello);
                    byte[] auth = w.getInputStream().readNBytes(Wire.AUTH_BYTES);
                    if (auth.length < Wire.AUTH_BYTES) {
                        return; // the worker refused the greeting and hung up
                    }
                    d.getOutputStream().write(auth);
                    d.getInputStream().transferTo(w.getOutputStream());
                } catch (IOException ignored) {
                    // Closed.
                }
            });
            IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                    () -> WorkerClient.connect("127.0.0.1", listen.getLocalPort(), secret, 0, 0, 0, N, 2000, 2000));
            relay.get(5, TimeUnit.SECONDS);
            return e;
        }
    }

    @Test
    void aWorkerRefusesAGreetingThatStripsOrSwapsTheFrameProtection() throws Exception {
        // 1 was the old HMAC-only code, 0 "none": a downgrade the worker refuses before it sends its proof.
        for (int code : new int[] {0, 1, 3}) {
            IOException e = connectThroughRewrittenGreeting(h -> h.putInt(8, code));
            assertTrue(e.getMessage().contains("announces frame protection code " + code) && e.getMessage().contains("refusing a downgrade"),
                    e.getMessage());
            server.close();
        }
        server = null;
    }

    @Test
    void aWorkerRefusesAnotherProtocolVersion() throws Exception {
        IOException e = connectThroughRewrittenGreeting(h -> h.putInt(4, Wire.VERSION - 1));
        assertTrue(e.getMessage().contains("does not speak this protocol") && e.getMessage().contains("version " + (Wire.VERSION - 1)),
                e.getMessage());
    }

    @Test
    void everyConnectionAndDirectionHasItsOwnKey() {
        byte[] server = new byte[Wire.NONCE_BYTES];
        byte[] client = new byte[Wire.NONCE_BYTES];
        Handshake.Identity id = new Handshake.Identity(0, 0, 0);
        byte[][] keys = Handshake.deriveKeys(secret, server, client, id);
        assertFalse(java.util.Arrays.equals(keys[0], keys[1]), "each direction has its own key");
        client[0] = 1;
        assertFalse(java.util.Arrays.equals(keys[0], Handshake.deriveKeys(secret, server, client, id)[0]),
                "another client nonce, another key");
    }
}
