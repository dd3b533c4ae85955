package io.sparkgrad.trainer.transport.barrier;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;

/**
 * Protects one direction pair of an authenticated connection, frame by frame, with AES-256-GCM: every frame's body
 * is encrypted in records of at most {@value #RECORD_BYTES} bytes, each sealed with its own 96-bit nonce
 * {@code 0:4 || counter:8} (the counter counts records in this direction, from 0, and is never sent or reused) and
 * the frame's header (length, type, step, worker) as additional authenticated data, and followed by its 16-byte tag.
 * So a frame that is injected, altered, replayed, reordered or taken from another connection fails to open, and no
 * weight or gradient can be read off the wire. The keys are per connection and per direction
 * ({@link Handshake#deriveKeys}). Records keep every cipher call bounded; 64 KiB rather than TLS's 16 KiB because
 * each record pays a fixed cost (the JDK builds a new GCM engine per {@code init}): seal and open of a 4 MB frame
 * took a median 1.83 ms in 16 KiB records and 1.60 ms in 64 KiB ones (larger records gained under 4% more).
 *
 * <p>This is the only frame protection: AES-GCM costs less than an HMAC-SHA256 over the same bytes in this JVM, so
 * there is no cheaper authenticated-only mode to choose. The handshake announces {@link Wire#PROTECTION_AES_GCM} and
 * covers it with both MACs.
 *
 * <p>One instance per connection; the send half is used under the channel's write lock, the receive half by the
 * one reader thread. The {@link Cipher} objects and the buffers are reused for every frame.
 */
final class FrameProtection {

    /** A received frame whose authentication failed. */
    static final class AuthenticationFailed extends ProtocolException {
        private static final long serialVersionUID = 1L;

        AuthenticationFailed(String message) {
            super(message);
        }
    }

    static final int TAG_BYTES = 16;
    /** Plaintext bytes per record; every cipher call stays this small. */
    static final int RECORD_BYTES = 64 * 1024;

    private long sendCounter;
    private long receiveCounter;
    /** Frames opened so far (error messages). */
    private long framesOpened;

    private final Cipher send;
    private final Cipher receive;
    private final SecretKeySpec sendKey;
    private final SecretKeySpec receiveKey;
    private final byte[] nonce = new byte[12];
    private byte[] sealed = new byte[0];
    private byte[] plain = new byte[0];

    private FrameProtection(byte[] sendKey, byte[] receiveKey) throws GeneralSecurityException {
        this.sendKey = new SecretKeySpec(sendKey, 0, 32, "AES");
        this.receiveKey = new SecretKeySpec(receiveKey, 0, 32, "AES");
        this.send = Cipher.getInstance("AES/GCM/NoPadding");
        this.receive = Cipher.getInstance("AES/GCM/NoPadding");
    }

    /** Records (and so tags) of a body of {@code bodyLength} bytes; an empty body is one empty record. */
    static int records(long bodyLength) {
        return (int) Math.max(1, (bodyLength + RECORD_BYTES - 1) / RECORD_BYTES);
    }

    /** Bytes the protection adds to a body of {@code bodyLength} bytes. */
    int tagBytes(int bodyLength) {
        return TAG_BYTES * records(bodyLength);
    }

    /** The body length of a frame whose body and tags take {@code wireLength} bytes, or -1 if none fits exactly. */
    long bodyLength(long wireLength) {
        if (wireLength < TAG_BYTES) {
            return -1;
        }
        long n = (wireLength + RECORD_BYTES + TAG_BYTES - 1) / (RECORD_BYTES + TAG_BYTES);
        long body = wireLength - TAG_BYTES * n;
        return records(body) == n ? body : -1;
    }

    private GCMParameterSpec nonce(long counter) {
        Wire.le(nonce).putInt(0).putLong(counter);
        return new GCMParameterSpec(8 * TAG_BYTES, nonce);
    }

    /**
     * Seals a frame straight from its parts, without first copying them together: {@code header} (its length field
     * already counts the tags, {@link Wire#HEADER_BYTES} bytes), and a body that is {@code fixed[0, fixedLen)}
     * followed by {@code payload[0, payloadLen)}. Returns the protection's own buffer holding the sealed frame,
     * {@code HEADER_BYTES + bodyLength + tagBytes(bodyLength)} bytes from 0; it stays valid until the next call.
     */
    byte[] seal(byte[] header, byte[] fixed, int fixedLen, byte[] payload, int payloadLen) {
        int bodyLength = fixedLen + payloadLen;
        int total = Wire.HEADER_BYTES + bodyLength + tagBytes(bodyLength);
        if (sealed.length < total) {
            sealed = new byte[total];
        }
        System.arraycopy(header, 0, sealed, 0, Wire.HEADER_BYTES);
        try {
            int records = records(bodyLength);
            int out = Wire.HEADER_BYTES;
            for (int r = 0; r < records; r++) {
                int from = r * RECORD_BYTES;
                int to = Math.min(bodyLength, from + RECORD_BYTES);
                send.init(Cipher.ENCRYPT_MODE, sendKey, nonce(sendCounter));
                sendCounter = next(sendCounter);
                send.updateAAD(header, 0, Wire.HEADER_BYTES);
                // The record's part of the fixed fields, then its part of the payload; GCM streams across the two.
                int fixedEnd = Math.min(to, fixedLen);
                if (from < fixedEnd) {
                    out += send.update(fixed, from, fixedEnd - from, sealed, out);
                }
                int payloadFrom = Math.max(from, fixedLen) - fixedLen;
                int payloadTo = Math.max(to, fixedLen) - fixedLen;
                out += payloadTo > payloadFrom
                        ? send.doFinal(payload, payloadFrom, payloadTo - payloadFrom, sealed, out)
                        : send.doFinal(sealed, out);
            }
            if (out != total) {
                throw new IllegalStateException("AES-GCM sealed " + out + " bytes of a " + total + "-byte frame");
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed to seal a frame", e);
        }
        return sealed;
    }

    /**
     * Checks and decrypts a received frame: {@code header} as read, {@code body[0, bodyLength + tagBytes(bodyLength))}
     * the records and tags as read. Returns the protection's own buffer holding the plaintext body at offset 0.
     *
     * @throws AuthenticationFailed when the frame is not the peer's next frame, unaltered
     */
    byte[] open(byte[] header, byte[] body, int bodyLength) throws AuthenticationFailed {
        if (plain.length < bodyLength) {
            plain = new byte[bodyLength];
        }
        try {
            int records = records(bodyLength);
            for (int r = 0; r < records; r++) {
                int off = r * RECORD_BYTES;
                int len = Math.min(RECORD_BYTES, bodyLength - off);
                receive.init(Cipher.DECRYPT_MODE, receiveKey, nonce(receiveCounter));
                receive.updateAAD(header, 0, Wire.HEADER_BYTES);
                receive.doFinal(body, off + r * TAG_BYTES, len + TAG_BYTES, plain, off);
                receiveCounter = next(receiveCounter);
            }
        } catch (AEADBadTagException e) {
            throw failed(header);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed to open a frame", e);
        }
        framesOpened++;
        return plain;
    }

    /**
     * The protection for one connection end: {@code sendKey} seals what this end sends, {@code receiveKey} opens
     * what it receives (32 bytes each).
     */
    static FrameProtection create(byte[] sendKey, byte[] receiveKey) {
        try {
            return new FrameProtection(sendKey, receiveKey);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM/NoPadding is not available in this JVM", e);
        }
    }

    static long next(long counter) {
        if (counter == Long.MAX_VALUE) {
            // 2^63 records: unreachable in practice, but a counter must never wrap and repeat a nonce.
            throw new IllegalStateException("record counter exhausted; reconnect");
        }
        return counter + 1;
    }

    private AuthenticationFailed failed(byte[] header) {
        java.nio.ByteBuffer h = Wire.le(header);
        int type = h.getInt(4);
        long step = h.getLong(8);
        return new AuthenticationFailed("frame " + framesOpened + " of the connection (" + Wire.typeName(type) + ", step " + step
                + ") failed authentication: it was forged, altered, replayed or reordered on the way");
    }
}
