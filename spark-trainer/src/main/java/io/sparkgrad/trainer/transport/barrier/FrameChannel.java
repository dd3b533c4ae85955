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
 * the connection's {@link FrameProtection}, record by record, and no byte of a record is parsed before that record has
 * been authenticated.
 *
 * <p>Frames stream: the writer seals records and writes them a few at a time ({@link #WRITE_RECORDS}), so the peer
 * reads and opens them while the writer seals the next; the reader opens one record at a time into a record-sized buffer, and {@link #readFloats} decodes
 * each straight into its destination. A 4 MB frame so costs no 4 MB buffer on either side, and sealing, the socket
 * and opening overlap instead of following each other. A frame's earlier records may so reach their destination
 * before a later record fails to open: callers use a frame only once it has been read whole (a failure closes the
 * connection), and each record is authenticated on its own (counter nonce, header as additional data), so nothing
 * unauthenticated ever lands.
 *
 * <p>Reads happen on one thread; writes are serialized by the object's monitor (which also orders the send counter).
 */
final class FrameChannel implements AutoCloseable {

    /** Frame header as read: the type, step and worker fields and the (plaintext) body length. */
    record Header(int type, long step, int worker, int bodyLength) {
    }

    /**
     * The bulk part of a frame's body, which the writer encodes into each record's plaintext as it seals it (so a
     * float array never needs an encoded copy of its own).
     */
    interface Payload {
        /** Bytes of the payload. */
        int bytes();

        /** Writes the payload's bytes {@code [from, from + len)} into {@code dst} from {@code dstOff}. */
        void copy(int from, byte[] dst, int dstOff, int len);
    }

    /** The first {@code n} floats of {@code values} as little-endian bytes; read while the frame is being written. */
    static Payload floats(float[] values, int n) {
        return new Payload() {
            @Override
            public int bytes() {
                return 4 * n;
            }

            @Override
            public void copy(int from, byte[] dst, int dstOff, int len) {
                if (((from | len) & 3) != 0) {
                    throw new IllegalStateException("a record boundary splits a float (payload bytes " + from + "+" + len
                            + "): a frame's fixed part must be a multiple of 4 bytes");
                }
                Wire.le(dst).position(dstOff).asFloatBuffer().put(values, from / 4, len / 4);
            }
        };
    }

    /** The first {@code len} bytes of {@code bytes}. */
    static Payload bytes(byte[] bytes, int len) {
        return new Payload() {
            @Override
            public int bytes() {
                return len;
            }

            @Override
            public void copy(int from, byte[] dst, int dstOff, int n) {
                System.arraycopy(bytes, from, dst, dstOff, n);
            }
        };
    }

    private static final int RECORD_WIRE = FrameProtection.RECORD_BYTES + FrameProtection.TAG_BYTES;
    /**
     * Records sealed before each socket write: a write per record costs a system call and a wake-up of the reader per
     * 64 KiB, a write per frame gives up the overlap. On the shared 2-core machine 1, 4 and 16 were within its noise.
     */
    static final int WRITE_RECORDS = 4;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final byte[] headerIn = new byte[Wire.HEADER_BYTES];
    /** One record as read, then opened into {@link #plainIn}; grown to a full record only when a frame needs it. */
    private byte[] sealedIn = new byte[64];
    private byte[] plainIn = new byte[64];
    private ByteBuffer body = Wire.le(plainIn).limit(0);
    /** Plaintext bytes of the current frame not yet opened (in records after the one in {@link #body}). */
    private int unopened;
    private final byte[] headerOut = new byte[Wire.HEADER_BYTES];
    private byte[] plainOut = new byte[64];
    private byte[] sealedOut = new byte[64];
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
     * Reads a frame's header and opens its first record; refuses a body longer than {@code maxBody} before reading
     * any of it. The body is then read, whole, with {@link #readSmall}, {@link #readFloats}, {@link #readMessage} and
     * {@link #skip}, which open the later records as they need them.
     *
     * @throws FrameProtection.AuthenticationFailed when the frame was forged, altered, replayed or reordered
     */
    Header readHeader(int maxBody) throws IOException {
        FrameProtection p = protection;
        if (p == null) {
            throw new IllegalStateException("frames before the handshake finished");
        }
        if (unopened > 0 || body.hasRemaining()) {
            throw new IllegalStateException("the previous frame's body was not read to its end (" + (unopened + body.remaining())
                    + " bytes left)");
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
        unopened = n;
        openRecord(p);
        return new Header(type, step, worker, n);
    }

    /** Reads and opens the frame's next record into {@link #body} (an empty body is one empty record). */
    private void openRecord(FrameProtection p) throws IOException {
        int len = Math.min(unopened, FrameProtection.RECORD_BYTES);
        if (sealedIn.length < len + FrameProtection.TAG_BYTES) {
            sealedIn = new byte[RECORD_WIRE];
            plainIn = new byte[FrameProtection.RECORD_BYTES];
            body = Wire.le(plainIn);
        }
        in.readFully(sealedIn, 0, len + FrameProtection.TAG_BYTES);
        p.openRecord(headerIn, sealedIn, 0, len, plainIn, 0);
        unopened -= len;
        if (unopened == 0) {
            p.frameOpened();
        }
        body.clear().limit(len);
    }

    /** Makes sure the current record has unread bytes, opening the next when it has none; false at the body's end. */
    private boolean more() throws IOException {
        if (body.hasRemaining()) {
            return true;
        }
        if (unopened == 0) {
            return false;
        }
        openRecord(protection);
        return true;
    }

    private ProtocolException early(int len) {
        return new ProtocolException("frame body ends " + (len - body.remaining() - unopened) + " bytes early");
    }

    /**
     * The next {@code len} body bytes as a little-endian buffer positioned at them (read them before the next call).
     * They must lie in one record: the fixed fields at a body's start always do.
     */
    ByteBuffer readSmall(int len) throws IOException {
        if (len > 0) {
            more();
        }
        if (body.remaining() < len) {
            if (body.remaining() + unopened < len) {
                throw early(len);
            }
            throw new ProtocolException("a field of " + len + " bytes spans two records");
        }
        return body;
    }

    /** Reads {@code n} little-endian floats of the body into {@code dst}, record by record as they open. */
    void readFloats(float[] dst, int n) throws IOException {
        if ((long) 4 * n > body.remaining() + unopened) {
            throw early(4 * n);
        }
        int i = 0;
        while (i < n) {
            more();
            int k = Math.min(n - i, body.remaining() / 4);
            if (k == 0) {
                throw new ProtocolException("a float spans two records");
            }
            body.asFloatBuffer().get(dst, i, k);
            body.position(body.position() + 4 * k);
            i += k;
        }
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
        for (int i = 0; i < len; ) {
            if (!more()) {
                throw early(len - i);
            }
            int k = Math.min(len - i, body.remaining());
            body.get(text, i, k);
            i += k;
        }
        return new String(text, StandardCharsets.UTF_8);
    }

    /** Skips the rest of a body (its records are still opened: every byte on the channel is authenticated). */
    void skip(int len) throws IOException {
        if ((long) len > body.remaining() + unopened) {
            throw early(len);
        }
        for (int left = len; left > 0; ) {
            more();
            int k = Math.min(left, body.remaining());
            body.position(body.position() + k);
            left -= k;
        }
    }

    /** Writes raw bytes (handshake, and tests that speak the protocol by hand). */
    synchronized void writeRaw(byte[] b, int len) throws IOException {
        out.write(b, 0, len);
        out.flush();
    }

    /** Writes a sealed frame whose payload is {@code payload[0, payloadLen)} (messages, and tests that speak bytes). */
    void writeFrame(int type, long step, int worker, byte[] fixed, int fixedLen, byte[] payload, int payloadLen) throws IOException {
        writeFrame(type, step, worker, fixed, fixedLen, bytes(payload, payloadLen));
    }

    /**
     * Writes a sealed frame: a header, a fixed body part and a bulk payload. Each record is encoded straight from the
     * parts and sealed, and every {@link #WRITE_RECORDS} records are written before the next are encoded, so the frame
     * costs no copy of its payload beyond the record-sized ones, and the peer opens records while this end seals more.
     */
    synchronized void writeFrame(int type, long step, int worker, byte[] fixed, int fixedLen, Payload payload) throws IOException {
        FrameProtection p = protection;
        if (p == null) {
            throw new IllegalStateException("frames before the handshake finished");
        }
        int bodyLength = fixedLen + payload.bytes();
        int records = FrameProtection.records(bodyLength);
        int first = Math.min(bodyLength, FrameProtection.RECORD_BYTES);
        if (sealedOut.length < Wire.HEADER_BYTES + first + FrameProtection.TAG_BYTES) {
            plainOut = new byte[FrameProtection.RECORD_BYTES];
            sealedOut = new byte[Wire.HEADER_BYTES + WRITE_RECORDS * RECORD_WIRE];
        }
        Wire.le(headerOut).putInt(Wire.HEADER_AFTER_LENGTH + bodyLength + p.tagBytes(bodyLength)).putInt(type).putLong(step).putInt(worker);
        System.arraycopy(headerOut, 0, sealedOut, 0, Wire.HEADER_BYTES);
        int at = Wire.HEADER_BYTES;
        for (int r = 0; r < records; r++) {
            int from = r * FrameProtection.RECORD_BYTES;
            int to = Math.min(bodyLength, from + FrameProtection.RECORD_BYTES);
            // The record's part of the fixed fields, then its part of the payload.
            int fixedEnd = Math.min(to, fixedLen);
            if (from < fixedEnd) {
                System.arraycopy(fixed, from, plainOut, 0, fixedEnd - from);
            }
            int payloadFrom = Math.max(from, fixedLen) - fixedLen;
            int payloadTo = Math.max(to, fixedLen) - fixedLen;
            if (payloadTo > payloadFrom) {
                payload.copy(payloadFrom, plainOut, Math.max(0, fixedLen - from), payloadTo - payloadFrom);
            }
            at += p.sealRecord(headerOut, plainOut, 0, to - from, sealedOut, at);
            if (at + RECORD_WIRE > sealedOut.length || r == records - 1) {
                out.write(sealedOut, 0, at);
                at = 0;
            }
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
