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
 * sending it, and neither accepts a recorded handshake (the other side's nonce changes every time).
 */
final class Handshake {

    private static final byte[] CLIENT_LABEL = "sparkgrad-client".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SERVER_LABEL = "sparkgrad-server".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();

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
        Wire.le(hello).putInt(Wire.MAGIC).putInt(Wire.VERSION).put(serverNonce);
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
        return new Identity(worker, attempt, epoch);
    }

    /** Client side; throws if the server refuses or cannot prove it holds the secret. */
    static void connect(FrameChannel ch, byte[] secret, int worker, int attempt, int epoch) throws IOException {
        byte[] hello = new byte[Wire.HELLO_BYTES];
        ch.readFully(hello, hello.length);
        ByteBuffer h = Wire.le(hello);
        int magic = h.getInt();
        int version = h.getInt();
        if (magic != Wire.MAGIC || version != Wire.VERSION) {
            throw new ProtocolException("the aggregation server at " + ch.peer() + " does not speak this protocol (magic 0x"
                    + Integer.toHexString(magic) + ", version " + version + ")");
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
    }

    private static byte[] nonce() {
        byte[] n = new byte[Wire.NONCE_BYTES];
        RANDOM.nextBytes(n);
        return n;
    }

    private static byte[] clientMac(byte[] secret, byte[] serverNonce, byte[] clientNonce, int worker, int attempt, int epoch) {
        byte[] ids = new byte[12];
        Wire.le(ids).putInt(worker).putInt(attempt).putInt(epoch);
        return hmac(secret, CLIENT_LABEL, serverNonce, clientNonce, ids);
    }

    private static byte[] serverMac(byte[] secret, byte[] clientNonce, byte[] serverNonce, int status) {
        byte[] s = new byte[4];
        Wire.le(s).putInt(status);
        return hmac(secret, SERVER_LABEL, clientNonce, serverNonce, s);
    }

    private static byte[] hmac(byte[] secret, byte[]... parts) {
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
