package io.sparkgrad.trainer.transport.barrier;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A socket carrying {@link Wire} frames, with reusable buffers so a steady-state step allocates nothing.
 * Reads happen on one thread; writes are serialized by the object's monitor.
 */
final class FrameChannel implements AutoCloseable {

    /** Frame header as read: the type, step and worker fields and the body length. */
    record Header(int type, long step, int worker, int bodyLength) {
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final byte[] headerIn = new byte[Wire.HEADER_BYTES];
    private final byte[] small = new byte[64];
    private byte[] bulk = new byte[0];
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

    void readFully(byte[] b, int len) throws IOException {
        in.readFully(b, 0, len);
    }

    /** Reads a frame header; refuses a body longer than {@code maxBody} before reading it. */
    Header readHeader(int maxBody) throws IOException {
        in.readFully(headerIn, 0, Wire.HEADER_BYTES);
        ByteBuffer b = Wire.le(headerIn);
        int length = b.getInt();
        int type = b.getInt();
        long step = b.getLong();
        int worker = b.getInt();
        int body = length - Wire.HEADER_AFTER_LENGTH;
        if (length < Wire.HEADER_AFTER_LENGTH || body > maxBody) {
            throw new ProtocolException("frame length " + length + " is outside [" + Wire.HEADER_AFTER_LENGTH + ", "
                    + ((long) maxBody + Wire.HEADER_AFTER_LENGTH) + "] (type " + Wire.typeName(type) + ")");
        }
        return new Header(type, step, worker, body);
    }

    /** Reads {@code len} (at most 64) body bytes into a small buffer and returns it as a little-endian view. */
    ByteBuffer readSmall(int len) throws IOException {
        in.readFully(small, 0, len);
        return Wire.le(small).limit(len);
    }

    /** Reads {@code n} little-endian floats into {@code dst}. */
    void readFloats(float[] dst, int n) throws IOException {
        int bytes = 4 * n;
        if (bulk.length < bytes) {
            bulk = new byte[bytes];
        }
        in.readFully(bulk, 0, bytes);
        Wire.le(bulk).asFloatBuffer().get(dst, 0, n);
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
        in.readFully(text, 0, len);
        return new String(text, StandardCharsets.UTF_8);
    }

    /** Skips the rest of a body. */
    void skip(int len) throws IOException {
        int left = len;
        while (left > 0) {
            int n = in.skipBytes(left);
            if (n <= 0) {
                throw new EOFException("connection closed while skipping " + left + " bytes");
            }
            left -= n;
        }
    }

    /** Writes raw bytes (handshake). */
    synchronized void writeRaw(byte[] b, int len) throws IOException {
        out.write(b, 0, len);
        out.flush();
    }

    /** Writes a frame: a header, a fixed body part and an optional bulk payload. */
    synchronized void writeFrame(int type, long step, int worker, byte[] fixed, int fixedLen, byte[] payload, int payloadLen)
            throws IOException {
        byte[] head = new byte[Wire.HEADER_BYTES + fixedLen];
        ByteBuffer b = Wire.le(head);
        b.putInt(Wire.HEADER_AFTER_LENGTH + fixedLen + payloadLen).putInt(type).putLong(step).putInt(worker);
        b.put(fixed, 0, fixedLen);
        if (payloadLen <= 4096) {
            // Small frames go out as one segment.
            byte[] all = new byte[head.length + payloadLen];
            System.arraycopy(head, 0, all, 0, head.length);
            if (payloadLen > 0) {
                System.arraycopy(payload, 0, all, head.length, payloadLen);
            }
            out.write(all);
        } else {
            out.write(head);
            out.write(payload, 0, payloadLen);
        }
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
        try {
            socket.close();
        } catch (IOException ignored) {
            // Closing is best effort: the peer sees the connection end either way.
        }
    }
}
