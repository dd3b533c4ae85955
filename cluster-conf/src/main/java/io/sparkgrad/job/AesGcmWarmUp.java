package io.sparkgrad.job;

import java.security.GeneralSecurityException;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals and opens throwaway AES-256-GCM records the way the barrier channel's frames are sealed (additional data,
 * an optional {@code update} then {@code doFinal}, records of up to 64 KiB and short ones, lengths that are not
 * multiples of the block), so that the JIT compiles the JDK's GCM with the intrinsics (AES, carry-less multiply) and a
 * profile that has seen every branch before training sends its first frame. Until then GCM runs tens of times slower,
 * and a compiled GCM that meets a branch its profile never saw is thrown away and re-learned: both cost the first
 * epochs seconds. Keys and data are random and used for nothing else.
 */
final class AesGcmWarmUp {
    private static final int TAG_BYTES = 16;
    private static final int LARGE = 64 * 1024;
    /** Lengths of the short records, in turn: frame headers and control frames, a tail record, an odd length. */
    private static final int[] SHORT = {0, 12, 40, 1000, 4096 + 20, 777};

    private final Cipher send;
    private final Cipher receive;
    private final SecretKeySpec key;
    private final byte[] aad = new byte[24];
    private final byte[] nonce = new byte[12];
    private final byte[] plain = new byte[LARGE];
    private final byte[] sealed = new byte[LARGE + TAG_BYTES];
    private final byte[] opened = new byte[LARGE];
    private long counter;

    private AesGcmWarmUp(Cipher send, Cipher receive, byte[] keyBytes) {
        this.send = send;
        this.receive = receive;
        this.key = new SecretKeySpec(keyBytes, "AES");
        new Random(7).nextBytes(plain);
    }

    /** A warm-up with a fixed throwaway key. */
    static AesGcmWarmUp create() {
        byte[] k = new byte[32];
        new Random(11).nextBytes(k);
        try {
            return new AesGcmWarmUp(Cipher.getInstance("AES/GCM/NoPadding"), Cipher.getInstance("AES/GCM/NoPadding"), k);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM has no AES/GCM/NoPadding", e);
        }
    }

    /** Round {@code r}: seals and opens one record, a 64 KiB one every eighth round, else a short one. */
    void round(int r) {
        int len = r % 8 == 7 ? LARGE : SHORT[r % SHORT.length];
        int head = r % 2 == 0 ? Math.min(len, 20) : 0;
        try {
            aad[0] = (byte) r;
            send.init(Cipher.ENCRYPT_MODE, key, nonce());
            send.updateAAD(aad, 0, aad.length);
            int out = head > 0 ? send.update(plain, 0, head, sealed, 0) : 0;
            out += send.doFinal(plain, head, len - head, sealed, out);
            receive.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(8 * TAG_BYTES, nonce, 0, nonce.length));
            receive.updateAAD(aad, 0, aad.length);
            receive.doFinal(sealed, 0, out, opened, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM warm-up failed", e);
        }
    }

    private GCMParameterSpec nonce() {
        counter++;
        for (int i = 0; i < 8; i++) {
            nonce[4 + i] = (byte) (counter >>> (8 * i));
        }
        return new GCMParameterSpec(8 * TAG_BYTES, nonce);
    }
}
