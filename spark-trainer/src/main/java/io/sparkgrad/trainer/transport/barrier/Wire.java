package io.sparkgrad.trainer.transport.barrier;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The aggregation channel's wire format. Everything is little-endian; no Java serialization anywhere.
 *
 * <pre>
 * handshake (fixed sizes, server speaks first)
 *   server HELLO   magic:int  version:int (3)  protection:int (2 = AES-GCM, the only one)  serverNonce:32
 *   client AUTH    magic:int  worker:int  stageAttempt:int  epoch:int  clientNonce:32  mac:32
 *                  mac = HMAC-SHA256(secret, "sparkgrad-client" serverNonce clientNonce protection worker stageAttempt epoch)
 *   server RESULT  magic:int  status:int (0 accepted, 1 refused)  mac:32
 *                  mac = HMAC-SHA256(secret, "sparkgrad-server" clientNonce serverNonce protection status), zeros when refused
 * frames (after the handshake; keys per connection and direction, see Handshake.deriveKeys and FrameProtection)
 *   length:int (bytes after this field)  type:int  step:long  worker:int  sealed body
 *   sealed body: the body in records of up to 64 KiB, each AES-256-GCM(key, nonce = 0:int counter:long,
 *                aad = header) followed by its 16-byte tag (counter: the record's number in its direction, from 0,
 *                never sent)
 *   PARAMS   (driver)  offset:int count:int n:int  n floats     weights of the step and the worker's slice of it
 *   END      (driver)  -                                        the epoch is complete
 *   ABORT    (driver)  len:int utf8                             the run stopped; the message says why
 *   GRADIENT (worker)  lossSum:double correct:long count:long computeNanos:long n:int  n floats
 *   ERROR    (worker)  len:int utf8                             the worker's exception
 * </pre>
 *
 * The secret never crosses this channel; both sides prove they hold it with fresh nonces, so a recorded
 * handshake cannot be replayed. Every frame after it is encrypted and authenticated, so no frame can be read,
 * injected, altered, replayed or reordered.
 */
final class Wire {

    static final int MAGIC = 0x31475053; // "SPG1" read as little-endian bytes
    /** Version 3: AES-GCM is the only frame protection (version 2 also had an HMAC-only mode). */
    static final int VERSION = 3;
    /**
     * The frame protection the server announces in its HELLO and both handshake MACs cover: AES-256-GCM, the only
     * one. A client refuses any other code, so nothing on the path can strip or swap it.
     */
    static final int PROTECTION_AES_GCM = 2;
    static final int NONCE_BYTES = 32;
    static final int MAC_BYTES = 32;
    static final int HELLO_BYTES = 4 + 4 + 4 + NONCE_BYTES;
    static final int AUTH_BYTES = 4 + 4 + 4 + 4 + NONCE_BYTES + MAC_BYTES;
    static final int RESULT_BYTES = 4 + 4 + MAC_BYTES;
    static final int STATUS_ACCEPTED = 0;
    static final int STATUS_REFUSED = 1;

    static final int PARAMS = 1;
    static final int END = 2;
    static final int ABORT = 3;
    static final int GRADIENT = 10;
    static final int ERROR = 11;

    /** type + step + worker: the part of a frame's length that every frame has. */
    static final int HEADER_AFTER_LENGTH = 4 + 8 + 4;
    static final int HEADER_BYTES = 4 + HEADER_AFTER_LENGTH;
    static final int PARAMS_FIXED = 4 + 4 + 4;
    static final int GRADIENT_FIXED = 8 + 8 + 8 + 8 + 4;
    static final int MAX_MESSAGE_BYTES = 64 * 1024;

    private Wire() {
    }

    static ByteBuffer le(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    static String typeName(int type) {
        return switch (type) {
            case PARAMS -> "PARAMS";
            case END -> "END";
            case ABORT -> "ABORT";
            case GRADIENT -> "GRADIENT";
            case ERROR -> "ERROR";
            default -> "unknown type " + type;
        };
    }

    /** Encodes floats as little-endian bytes. */
    static byte[] encodeFloats(float[] values, int n) {
        byte[] out = new byte[4 * n];
        le(out).asFloatBuffer().put(values, 0, n);
        return out;
    }
}
