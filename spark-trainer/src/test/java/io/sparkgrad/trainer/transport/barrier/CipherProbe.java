package io.sparkgrad.trainer.transport.barrier;

import java.util.Arrays;

/**
 * Measures the channel's AES-256-GCM on this machine, without sockets: sealing and opening one frame's worth of 64 KiB
 * records through {@link FrameProtection}, as the channel does, after a warm-up long enough for the JIT to compile
 * the JDK's GCM code (and its CPU intrinsics). The floor under the barrier transport's step overhead: every step
 * seals and opens each worker's gradient and weights once.
 */
public final class CipherProbe {

    /**
     * Median times of one frame.
     *
     * @param sealMillis seal of a frame's records
     * @param openMillis open of a frame's records
     */
    public record Result(double sealMillis, double openMillis) {
    }

    private CipherProbe() {
    }

    /** Seal and open of a frame body of {@code bytes} bytes, median of {@code repeats} after as many warm-up rounds. */
    public static Result measure(int bytes, int repeats) {
        byte[] a = new byte[32];
        byte[] b = new byte[32];
        b[0] = 1;
        FrameProtection sender = FrameProtection.create(a, b);
        FrameProtection receiver = FrameProtection.create(b, a);
        byte[] header = new byte[Wire.HEADER_BYTES];
        int records = FrameProtection.records(bytes);
        byte[] plain = new byte[bytes];
        byte[] sealed = new byte[bytes + records * FrameProtection.TAG_BYTES];
        Arrays.fill(plain, (byte) 7);
        CipherWarmUp.run();
        long[] seal = new long[repeats];
        long[] open = new long[repeats];
        try {
            for (int r = -repeats; r < repeats; r++) {
                long t0 = System.nanoTime();
                for (int k = 0; k < records; k++) {
                    int off = k * FrameProtection.RECORD_BYTES;
                    int len = Math.min(FrameProtection.RECORD_BYTES, bytes - off);
                    sender.sealRecord(header, plain, off, len, sealed, off + k * FrameProtection.TAG_BYTES);
                }
                long t1 = System.nanoTime();
                for (int k = 0; k < records; k++) {
                    int off = k * FrameProtection.RECORD_BYTES;
                    int len = Math.min(FrameProtection.RECORD_BYTES, bytes - off);
                    receiver.openRecord(header, sealed, off + k * FrameProtection.TAG_BYTES, len, plain, off);
                }
                long t2 = System.nanoTime();
                if (r >= 0) {
                    seal[r] = t1 - t0;
                    open[r] = t2 - t1;
                }
            }
        } catch (ProtocolException e) {
            throw new IllegalStateException("a record sealed here failed to open: " + e.getMessage(), e);
        }
        Arrays.sort(seal);
        Arrays.sort(open);
        return new Result(seal[repeats / 2] / 1e6, open[repeats / 2] / 1e6);
    }
}
