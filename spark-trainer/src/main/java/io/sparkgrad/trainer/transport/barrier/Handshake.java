package io.sparkgrad.trainer.transport.barrier;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;

/**
 * Mutual HMAC-SHA256 challenge-response over fresh nonces: each side proves it holds the run's secret without
 * sending it, and neither accepts a recorded handshake (the other side's nonce changes every time). Both MACs cover
 * the protocol version's pinned frame protection ({@link Wire#PROTECTION_AES_GCM}), which the client also checks in
 * the server's greeting, so nothing on the path can strip or swap it. Once both proofs
 * check out, each side derives the connection's two frame keys from the secret and both nonces
 * ({@link #deriveKeys}) and switches the channel to protected frames.
 */
final class Handshake {

    private static final byte[] CLIENT_LABEL = "sparkgrad-client".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SERVER_LABEL = "sparkgrad-server".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TO_DRIVER_LABEL = "sparkgrad-v2 worker->driver".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TO_WORKER_LABEL = "sparkgrad-v2 driver->worker".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The server closed the connection before its greeting: it refused it over a limit, without reading it. */
    static final class NoGreeting extends ProtocolException {
        private static final long serialVersionUID = 1L;

        NoGreeting(String message) {
            super(message);
        }
    }

    /** Who the client says it is, once its proof checked out. */
    record Identity(int worker, int stageAttempt, int epoch) {
    }

    private Handshake() {
    }

    /** A fresh random secret for one run. */
    static byte[] newSecret() {
        byte[] s = new byte[32];
        RANDOM.nextBytes(s);
        return s;
    }

    /**
     * Server side. Refuses (sends status refused, then throws) a client whose proof is wrong or whose worker index
     * is outside {@code [0, workers)}.
     */
    static Identity accept(FrameChannel ch, byte[] secret, int workers) throws IOException {
        byte[] serverNonce = nonce();
        byte[] hello = new byte[Wire.HELLO_BYTES];
        Wire.le(hello).putInt(Wire.MAGIC).putInt(Wire.VERSION).putInt(Wire.PROTECTION_AES_GCM).put(serverNonce);
        ch.writeRaw(hello, hello.length);

        byte[] auth = new byte[Wire.AUTH_BYTES];
        ch.readFully(auth, auth.length);
        ByteBuffer a = Wire.le(auth);
        int magic = a.getInt();
        if (magic != Wire.MAGIC) {
            throw new ProtocolException("bad handshake magic 0x" + Integer.toHexString(magic) + " from " + ch.peer());
        }
        int worker = a.getInt();
        int attempt = a.getInt();
        int epoch = a.getInt();
        byte[] clientNonce = new byte[Wire.NONCE_BYTES];
        a.get(clientNonce);
        byte[] mac = new byte[Wire.MAC_BYTES];
        a.get(mac);
        byte[] expected = clientMac(secret, serverNonce, clientNonce, worker, attempt, epoch);
        boolean ok = MessageDigest.isEqual(mac, expected) && worker >= 0 && worker < workers && attempt >= 0 && epoch >= 0;
        byte[] result = new byte[Wire.RESULT_BYTES];
        ByteBuffer r = Wire.le(result).putInt(Wire.MAGIC).putInt(ok ? Wire.STATUS_ACCEPTED : Wire.STATUS_REFUSED);
        if (ok) {
            r.put(serverMac(secret, clientNonce, serverNonce, Wire.STATUS_ACCEPTED));
        }
        ch.writeRaw(result, result.length);
        if (!ok) {
            throw new ProtocolException("refused " + ch.peer() + ": "
                    + (MessageDigest.isEqual(mac, expected) ? "worker index " + worker + " outside [0, " + workers + ")" : "wrong authentication code"));
        }
        Identity id = new Identity(worker, attempt, epoch);
        byte[][] keys = deriveKeys(secret, serverNonce, clientNonce, id);
        ch.protect(FrameProtection.create(keys[1], keys[0]));
        return id;
    }

    /**
     * Client side; throws if the server refuses, cannot prove it holds the secret, or announces another frame
     * protection than AES-GCM (a downgrade: the client never sends frames any other way).
     */
    static void connect(FrameChannel ch, byte[] secret, int worker, int attempt, int epoch) throws IOException {
        byte[] hello = new byte[Wire.HELLO_BYTES];
        try {
            ch.readFully(hello, hello.length);
        } catch (java.io.EOFException | java.net.SocketException e) {
            throw new NoGreeting("the aggregation server at " + ch.peer() + " closed the connection before its greeting: " + e);
        }
        ByteBuffer h = Wire.le(hello);
        int magic = h.getInt();
        int version = h.getInt();
        if (magic != Wire.MAGIC || version != Wire.VERSION) {
            throw new ProtocolException("the aggregation server at " + ch.peer() + " does not speak this protocol (magic 0x"
                    + Integer.toHexString(magic) + ", version " + version + ")");
        }
        int announced = h.getInt();
        if (announced != Wire.PROTECTION_AES_GCM) {
            throw new ProtocolException("the aggregation server at " + ch.peer() + " announces frame protection code "
                    + announced + ", but this protocol encrypts every frame with AES-GCM (code " + Wire.PROTECTION_AES_GCM
                    + "): refusing a downgrade");
        }
        byte[] serverNonce = new byte[Wire.NONCE_BYTES];
        h.get(serverNonce);
        byte[] clientNonce = nonce();
        byte[] auth = new byte[Wire.AUTH_BYTES];
        Wire.le(auth).putInt(Wire.MAGIC).putInt(worker).putInt(attempt).putInt(epoch).put(clientNonce)
                .put(clientMac(secret, serverNonce, clientNonce, worker, attempt, epoch));
        ch.writeRaw(auth, auth.length);

        byte[] result = new byte[Wire.RESULT_BYTES];
        ch.readFully(result, result.length);
        ByteBuffer r = Wire.le(result);
        if (r.getInt() != Wire.MAGIC) {
            throw new ProtocolException("bad handshake reply from " + ch.peer());
        }
        int status = r.getInt();
        if (status != Wire.STATUS_ACCEPTED) {
            throw new ProtocolException("the aggregation server at " + ch.peer() + " refused worker " + worker
                    + " (wrong secret, or a worker index it does not expect)");
        }
        byte[] mac = new byte[Wire.MAC_BYTES];
        r.get(mac);
        if (!MessageDigest.isEqual(mac, serverMac(secret, clientNonce, serverNonce, Wire.STATUS_ACCEPTED))) {
            throw new ProtocolException("the server at " + ch.peer() + " could not prove it holds the run's secret");
        }
        byte[][] keys = deriveKeys(secret, serverNonce, clientNonce, new Identity(worker, attempt, epoch));
        ch.protect(FrameProtection.create(keys[0], keys[1]));
    }

    /**
     * The connection's frame keys, HKDF-SHA256 style: {@code prk = HMAC(serverNonce || clientNonce, secret)}, then one
     * key per direction, {@code HMAC(prk, label || protection || worker || attempt || epoch || 0x01)}. Fresh nonces make
     * every connection's keys new, so a frame recorded on one connection fails on any other.
     *
     * @return {@code {worker->driver key, driver->worker key}}, 32 bytes each
     */
    static byte[][] deriveKeys(byte[] secret, byte[] serverNonce, byte[] clientNonce, Identity id) {
        byte[] salt = new byte[2 * Wire.NONCE_BYTES];
        System.arraycopy(serverNonce, 0, salt, 0, Wire.NONCE_BYTES);
        System.arraycopy(clientNonce, 0, salt, Wire.NONCE_BYTES, Wire.NONCE_BYTES);
        byte[] prk = hmac(salt, secret);
        byte[] info = new byte[17];
        Wire.le(info).putInt(Wire.PROTECTION_AES_GCM).putInt(id.worker()).putInt(id.stageAttempt()).putInt(id.epoch()).put((byte) 1);
        return new byte[][] {hmac(prk, TO_DRIVER_LABEL, info), hmac(prk, TO_WORKER_LABEL, info)};
    }

    private static byte[] nonce() {
        byte[] n = new byte[Wire.NONCE_BYTES];
        RANDOM.nextBytes(n);
        return n;
    }

    private static byte[] clientMac(byte[] secret, byte[] serverNonce, byte[] clientNonce, int worker,
                                    int attempt, int epoch) {
        byte[] ids = new byte[16];
        Wire.le(ids).putInt(Wire.PROTECTION_AES_GCM).putInt(worker).putInt(attempt).putInt(epoch);
        return hmac(secret, CLIENT_LABEL, serverNonce, clientNonce, ids);
    }

    private static byte[] serverMac(byte[] secret, byte[] clientNonce, byte[] serverNonce, int status) {
        byte[] s = new byte[8];
        Wire.le(s).putInt(Wire.PROTECTION_AES_GCM).putInt(status);
        return hmac(secret, SERVER_LABEL, clientNonce, serverNonce, s);
    }

    static byte[] hmac(byte[] secret, byte[]... parts) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            for (byte[] p : parts) {
                mac.update(p);
            }
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }
}
