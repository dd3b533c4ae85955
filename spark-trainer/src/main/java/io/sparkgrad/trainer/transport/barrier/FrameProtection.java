package io.sparkgrad.trainer.transport.barrier;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;

/**
 * Protects one direction pair of an authenticated connection, frame by frame: every frame's header (length, type,
 * step, worker) and body are authenticated together with an implicit per-direction frame counter, so a frame that
 * is injected, altered, replayed, reordered or dropped fails at the next frame. The keys are per connection and per
 * direction ({@link Handshake#deriveKeys}); the counter starts at 0 in each direction and is never reused.
 *
 * <p>Two modes: {@link Mode#HMAC_SHA256} appends a 32-byte HMAC-SHA256 tag over {@code counter || header || body}
 * (the body stays readable); {@link Mode#AES_GCM} encrypts the body with AES-256-GCM in records of at most
 * {@value AesGcm#RECORD_BYTES} bytes, as TLS does, each sealed with its own 96-bit nonce {@code 0:4 || counter:8}
 * (the counter counts records) and the header as additional authenticated data, and followed by its 16-byte tag.
 * Records keep every cipher call small: the JDK's AES-GCM runs at a fraction of its speed on multi-megabyte calls.
 *
 * <p>One instance per connection; the send half is used under the channel's write lock, the receive half by the
 * one reader thread. The {@link Mac} and {@link Cipher} objects and the buffers are reused for every frame.
 */
abstract sealed class FrameProtection permits FrameProtection.Hmac, FrameProtection.AesGcm {

    /** How frames after the handshake are protected. */
    enum Mode {
        /** Authenticated (HMAC-SHA256 with a sequence number), not encrypted. */
        HMAC_SHA256(1),
        /** Encrypted and authenticated (AES-256-GCM, nonces from a frame counter). */
        AES_GCM(2);

        final int wireCode;

        Mode(int wireCode) {
            this.wireCode = wireCode;
        }

        static Mode ofWire(int code) {
            for (Mode m : values()) {
                if (m.wireCode == code) {
                    return m;
                }
            }
            return null;
        }
    }

    /** A received frame whose authentication failed. */
    static final class AuthenticationFailed extends ProtocolException {
        private static final long serialVersionUID = 1L;

        AuthenticationFailed(String message) {
            super(message);
        }
    }

    long sendCounter;
    long receiveCounter;
    /** Frames opened so far (error messages). */
    long framesOpened;

    static FrameProtection create(Mode mode, byte[] sendKey, byte[] receiveKey) {
        try {
            return mode == Mode.AES_GCM ? new AesGcm(sendKey, receiveKey) : new Hmac(sendKey, receiveKey);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(mode + " is not available in this JVM", e);
        }
    }

    abstract Mode mode();

    /** Bytes the protection adds to a body of {@code bodyLength} bytes. */
    abstract int tagBytes(int bodyLength);

    /** The body length of a frame whose body and tags take {@code wireLength} bytes, or -1 if none fits exactly. */
    abstract long bodyLength(long wireLength);

    /**
     * Seals a frame: {@code frame[0, HEADER_BYTES)} is the header (its length field already counts the tags),
     * {@code frame[HEADER_BYTES, HEADER_BYTES + bodyLength)} the body. Returns the array holding the sealed frame,
     * {@code HEADER_BYTES + bodyLength + tagBytes(bodyLength)} bytes from 0 ({@code frame} itself, which must then
     * have room for the tag, or a buffer of the protection's own).
     */
    abstract byte[] seal(byte[] frame, int bodyLength);

    /**
     * Checks (and decrypts) a received frame: {@code header} as read, {@code body[0, bodyLength + tagBytes(bodyLength))}
     * the body and tags as read. Returns the array holding the plaintext body at offset 0 (the same array in HMAC mode).
     *
     * @throws AuthenticationFailed when the frame is not the peer's next frame, unaltered
     */
    abstract byte[] open(byte[] header, byte[] body, int bodyLength) throws AuthenticationFailed;

    static long next(long counter) {
        if (counter == Long.MAX_VALUE) {
            // 2^63 frames: unreachable in practice, but a counter must never wrap and repeat a nonce.
            throw new IllegalStateException("frame counter exhausted; reconnect");
        }
        return counter + 1;
    }

    AuthenticationFailed failed(byte[] header) {
        java.nio.ByteBuffer h = Wire.le(header);
        int type = h.getInt(4);
        long step = h.getLong(8);
        return new AuthenticationFailed("frame " + framesOpened + " of the connection (" + Wire.typeName(type) + ", step " + step
                + ") failed authentication: it was forged, altered, replayed or reordered on the way");
    }

    static final class Hmac extends FrameProtection {
        private final Mac send;
        private final Mac receive;
        private final byte[] counterBytes = new byte[8];
        private final byte[] expected = new byte[Wire.MAC_BYTES];

        Hmac(byte[] sendKey, byte[] receiveKey) throws GeneralSecurityException {
            send = Mac.getInstance("HmacSHA256");
            send.init(new SecretKeySpec(sendKey, "HmacSHA256"));
            receive = Mac.getInstance("HmacSHA256");
            receive.init(new SecretKeySpec(receiveKey, "HmacSHA256"));
        }

        @Override
        Mode mode() {
            return Mode.HMAC_SHA256;
        }

        @Override
        int tagBytes(int bodyLength) {
            return Wire.MAC_BYTES;
        }

        @Override
        long bodyLength(long wireLength) {
            return wireLength < Wire.MAC_BYTES ? -1 : wireLength - Wire.MAC_BYTES;
        }

        @Override
        byte[] seal(byte[] frame, int bodyLength) {
            Wire.le(counterBytes).putLong(sendCounter);
            sendCounter = next(sendCounter);
            send.update(counterBytes);
            send.update(frame, 0, Wire.HEADER_BYTES + bodyLength);
            try {
                send.doFinal(frame, Wire.HEADER_BYTES + bodyLength);
            } catch (javax.crypto.ShortBufferException e) {
                throw new IllegalStateException("frame buffer has no room for the tag", e);
            }
            return frame;
        }

        @Override
        byte[] open(byte[] header, byte[] body, int bodyLength) throws AuthenticationFailed {
            Wire.le(counterBytes).putLong(receiveCounter);
            receive.update(counterBytes);
            receive.update(header, 0, Wire.HEADER_BYTES);
            receive.update(body, 0, bodyLength);
            try {
                receive.doFinal(expected, 0);
            } catch (javax.crypto.ShortBufferException e) {
                throw new IllegalStateException(e);
            }
            // Constant time, like MessageDigest.isEqual, without copying the received tag out.
            int diff = 0;
            for (int i = 0; i < Wire.MAC_BYTES; i++) {
                diff |= body[bodyLength + i] ^ expected[i];
            }
            if (diff != 0) {
                throw failed(header);
            }
            receiveCounter = next(receiveCounter);
            framesOpened++;
            return body;
        }
    }

    static final class AesGcm extends FrameProtection {
        static final int TAG_BYTES = 16;
        /** Plaintext bytes per record (TLS's record size); every cipher call stays this small. */
        static final int RECORD_BYTES = 16 * 1024;
        private final Cipher send;
        private final Cipher receive;
        private final SecretKeySpec sendKey;
        private final SecretKeySpec receiveKey;
        private final byte[] nonce = new byte[12];
        private byte[] sealed = new byte[0];
        private byte[] plain = new byte[0];

        AesGcm(byte[] sendKey, byte[] receiveKey) throws GeneralSecurityException {
            this.sendKey = new SecretKeySpec(sendKey, 0, 32, "AES");
            this.receiveKey = new SecretKeySpec(receiveKey, 0, 32, "AES");
            this.send = Cipher.getInstance("AES/GCM/NoPadding");
            this.receive = Cipher.getInstance("AES/GCM/NoPadding");
        }

        @Override
        Mode mode() {
            return Mode.AES_GCM;
        }

        static int records(long bodyLength) {
            return (int) Math.max(1, (bodyLength + RECORD_BYTES - 1) / RECORD_BYTES);
        }

        @Override
        int tagBytes(int bodyLength) {
            return TAG_BYTES * records(bodyLength);
        }

        @Override
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

        @Override
        byte[] seal(byte[] frame, int bodyLength) {
            int total = Wire.HEADER_BYTES + bodyLength + tagBytes(bodyLength);
            if (sealed.length < total) {
                sealed = new byte[total];
            }
            System.arraycopy(frame, 0, sealed, 0, Wire.HEADER_BYTES);
            try {
                int records = records(bodyLength);
                for (int r = 0; r < records; r++) {
                    int off = r * RECORD_BYTES;
                    int len = Math.min(RECORD_BYTES, bodyLength - off);
                    send.init(Cipher.ENCRYPT_MODE, sendKey, nonce(sendCounter));
                    sendCounter = next(sendCounter);
                    send.updateAAD(frame, 0, Wire.HEADER_BYTES);
                    send.doFinal(frame, Wire.HEADER_BYTES + off, len, sealed, Wire.HEADER_BYTES + off + r * TAG_BYTES);
                }
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES-GCM failed to seal a frame", e);
            }
            return sealed;
        }

        @Override
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
    }
}
