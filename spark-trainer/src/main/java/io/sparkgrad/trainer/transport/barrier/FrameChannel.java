package io.sparkgrad.trainer.transport.barrier;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A socket carrying {@link Wire} frames, with reusable buffers so a steady-state step allocates no large buffer.
 * Before {@link #protect} only the handshake's raw messages may cross it; after, every frame is sealed and opened by
 * the connection's {@link FrameProtection}, and a frame's body is parsed only once it has been authenticated.
 * Reads happen on one thread; writes are serialized by the object's monitor (which also orders the send counter).
 */
final class FrameChannel implements AutoCloseable {

    /** Frame header as read: the type, step and worker fields and the (plaintext) body length. */
    record Header(int type, long step, int worker, int bodyLength) {
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final byte[] headerIn = new byte[Wire.HEADER_BYTES];
    private byte[] received = new byte[64];
    private final byte[] headerOut = new byte[Wire.HEADER_BYTES];
    private ByteBuffer body = Wire.le(new byte[0]);
    private FrameProtection protection;
    private volatile boolean closed;

    FrameChannel(Socket socket) throws IOException {
        this.socket = socket;
        socket.setTcpNoDelay(true);
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
        this.out = socket.getOutputStream();
    }

    Socket socket() {
        return socket;
    }

    String peer() {
        return String.valueOf(socket.getRemoteSocketAddress());
    }

    /** Switches the channel to protected frames; called once, when the handshake has derived the keys. */
    synchronized void protect(FrameProtection p) {
        if (protection != null) {
            throw new IllegalStateException("the channel is already protected");
        }
        protection = p;
    }

    void readFully(byte[] b, int len) throws IOException {
        in.readFully(b, 0, len);
    }

    /**
     * Reads a whole frame and authenticates it; refuses a body longer than {@code maxBody} before reading it. The
     * body is then read with {@link #readSmall}, {@link #readFloats}, {@link #readMessage} and {@link #skip}.
     *
     * @throws FrameProtection.AuthenticationFailed when the frame was forged, altered, replayed or reordered
     */
    Header readHeader(int maxBody) throws IOException {
        FrameProtection p = protection;
        if (p == null) {
            throw new IllegalStateException("frames before the handshake finished");
        }
        in.readFully(headerIn, 0, Wire.HEADER_BYTES);
        ByteBuffer b = Wire.le(headerIn);
        int length = b.getInt();
        int type = b.getInt();
        long step = b.getLong();
        int worker = b.getInt();
        long bodyLength = p.bodyLength((long) length - Wire.HEADER_AFTER_LENGTH);
        if (bodyLength < 0 || bodyLength > maxBody) {
            throw new ProtocolException("frame length " + length + " is outside [" + (Wire.HEADER_AFTER_LENGTH + p.tagBytes(0)) + ", "
                    + ((long) maxBody + Wire.HEADER_AFTER_LENGTH + p.tagBytes(maxBody)) + "] or fits no body (type "
                    + Wire.typeName(type) + ")");
        }
        int n = (int) bodyLength;
        int wire = n + p.tagBytes(n);
        if (received.length < wire) {
            received = new byte[wire];
        }
        in.readFully(received, 0, wire);
        byte[] plain = p.open(headerIn, received, n);
        if (body.array() != plain) {
            body = Wire.le(plain);
        }
        body.clear().limit(n);
        return new Header(type, step, worker, n);
    }

    private void need(int len) throws ProtocolException {
        if (body.remaining() < len) {
            throw new ProtocolException("frame body ends " + (len - body.remaining()) + " bytes early");
        }
    }

    /** The next {@code len} body bytes as a little-endian buffer positioned at them (read them before the next call). */
    ByteBuffer readSmall(int len) throws IOException {
        need(len);
        return body;
    }

    /** Reads {@code n} little-endian floats of the body into {@code dst}. */
    void readFloats(float[] dst, int n) throws IOException {
        need(4 * n);
        body.asFloatBuffer().get(dst, 0, n);
        body.position(body.position() + 4 * n);
    }

    /** Reads a length-prefixed UTF-8 message body of {@code bodyLength} bytes. */
    String readMessage(int bodyLength) throws IOException {
        if (bodyLength < 4) {
            throw new ProtocolException("message frame body of " + bodyLength + " bytes has no length field");
        }
        int len = readSmall(4).getInt();
        if (len < 0 || len != bodyLength - 4 || len > Wire.MAX_MESSAGE_BYTES) {
            throw new ProtocolException("message length " + len + " does not match its frame (" + bodyLength + " bytes)");
        }
        byte[] text = new byte[len];
        body.get(text);
        return new String(text, StandardCharsets.UTF_8);
    }

    /** Skips the rest of a body. */
    void skip(int len) throws IOException {
        need(len);
        body.position(body.position() + len);
    }

    /** Writes raw bytes (handshake, and tests that speak the protocol by hand). */
    synchronized void writeRaw(byte[] b, int len) throws IOException {
        out.write(b, 0, len);
        out.flush();
    }

    /**
     * Writes a sealed frame: a header, a fixed body part and an optional bulk payload. The parts are encrypted
     * straight into the protection's buffer, so a frame costs no copy of its payload before the socket's own.
     */
    synchronized void writeFrame(int type, long step, int worker, byte[] fixed, int fixedLen, byte[] payload, int payloadLen)
            throws IOException {
        FrameProtection p = protection;
        if (p == null) {
            throw new IllegalStateException("frames before the handshake finished");
        }
        int bodyLength = fixedLen + payloadLen;
        int tags = p.tagBytes(bodyLength);
        Wire.le(headerOut).putInt(Wire.HEADER_AFTER_LENGTH + bodyLength + tags).putInt(type).putLong(step).putInt(worker);
        byte[] sealed = p.seal(headerOut, fixed, fixedLen, payload, payloadLen);
        out.write(sealed, 0, Wire.HEADER_BYTES + bodyLength + tags);
        out.flush();
    }

    /** Writes a message frame (ERROR or ABORT), truncating the message to the wire's limit. */
    void writeMessage(int type, long step, int worker, String message) throws IOException {
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        int len = Math.min(text.length, Wire.MAX_MESSAGE_BYTES);
        byte[] fixed = new byte[4];
        Wire.le(fixed).putInt(len);
        writeFrame(type, step, worker, fixed, 4, text, len);
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(socket);
    }

    /** Closes a socket (or server socket) of the channel, best effort: the other end sees it end either way. */
    static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // Nothing to do about a socket that will not close.
        }
    }
}
