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
 * (the body stays readable); {@link Mode#AES_GCM} encrypts the body with AES-256-GCM, the 96-bit nonce being
 * {@code 0:4 || counter:8} and the header the additional authenticated data, and appends GCM's 16-byte tag.
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

    static FrameProtection create(Mode mode, byte[] sendKey, byte[] receiveKey) {
        try {
            return mode == Mode.AES_GCM ? new AesGcm(sendKey, receiveKey) : new Hmac(sendKey, receiveKey);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(mode + " is not available in this JVM", e);
        }
    }

    abstract Mode mode();

    /** Bytes the protection adds after a frame's body. */
    abstract int tagBytes();

    /**
     * Seals a frame in place: {@code frame[0, HEADER_BYTES)} is the header (its length field already counts the tag),
     * {@code frame[HEADER_BYTES, HEADER_BYTES + bodyLength)} the body; on return the body is protected and the tag
     * follows it. {@code frame} must have room for the tag.
     */
    abstract void seal(byte[] frame, int bodyLength);

    /**
     * Checks (and decrypts) a received frame: {@code header} as read, {@code body[0, bodyLength + tagBytes())} the body
     * and tag as read. Returns the array holding the plaintext body at offset 0 (the same array in HMAC mode).
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
        return new AuthenticationFailed("frame " + receiveCounter + " of the connection (" + Wire.typeName(type) + ", step " + step
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
        int tagBytes() {
            return Wire.MAC_BYTES;
        }

        @Override
        void seal(byte[] frame, int bodyLength) {
            Wire.le(counterBytes).putLong(sendCounter);
            sendCounter = next(sendCounter);
            send.update(counterBytes);
            send.update(frame, 0, Wire.HEADER_BYTES + bodyLength);
            try {
                send.doFinal(frame, Wire.HEADER_BYTES + bodyLength);
            } catch (javax.crypto.ShortBufferException e) {
                throw new IllegalStateException("frame buffer has no room for the tag", e);
            }
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
            return body;
        }
    }

    static final class AesGcm extends FrameProtection {
        static final int TAG_BYTES = 16;
        private final Cipher send;
        private final Cipher receive;
        private final SecretKeySpec sendKey;
        private final SecretKeySpec receiveKey;
        private final byte[] nonce = new byte[12];
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

        @Override
        int tagBytes() {
            return TAG_BYTES;
        }

        private GCMParameterSpec nonce(long counter) {
            Wire.le(nonce).putInt(0).putLong(counter);
            return new GCMParameterSpec(8 * TAG_BYTES, nonce);
        }

        @Override
        void seal(byte[] frame, int bodyLength) {
            try {
                send.init(Cipher.ENCRYPT_MODE, sendKey, nonce(sendCounter));
                sendCounter = next(sendCounter);
                send.updateAAD(frame, 0, Wire.HEADER_BYTES);
                // In place: GCM encrypts counter-mode blocks, so output at the input's own offset is safe.
                send.doFinal(frame, Wire.HEADER_BYTES, bodyLength, frame, Wire.HEADER_BYTES);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES-GCM failed to seal a frame", e);
            }
        }

        @Override
        byte[] open(byte[] header, byte[] body, int bodyLength) throws AuthenticationFailed {
            if (plain.length < bodyLength) {
                plain = new byte[bodyLength];
            }
            try {
                receive.init(Cipher.DECRYPT_MODE, receiveKey, nonce(receiveCounter));
                receive.updateAAD(header, 0, Wire.HEADER_BYTES);
                receive.doFinal(body, 0, bodyLength + TAG_BYTES, plain, 0);
            } catch (AEADBadTagException e) {
                throw failed(header);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES-GCM failed to open a frame", e);
            }
            receiveCounter = next(receiveCounter);
            return plain;
        }
    }
}
