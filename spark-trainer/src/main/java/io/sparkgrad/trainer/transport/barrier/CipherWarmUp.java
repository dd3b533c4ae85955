package io.sparkgrad.trainer.transport.barrier;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Gets the JIT to compile the channel's AES-GCM path before the first real frames, once per JVM, on a background
 * thread. Until HotSpot's C2 has compiled the JDK's GCM code, GHASH runs as plain Java instead of its CPU intrinsic,
 * and a 64 KiB record then costs milliseconds: in a fresh JVM on the 2-core AMD EPYC, sealing and opening the main
 * job's 0.83 MB frames took about 200 ms a frame for the first 50 frames and 40 ms for the next 100, against about
 * 0.4 ms once compiled. C2 compiles after a count of calls and loop turns, not of bytes, so small records reach the
 * thresholds for a fraction of the cost: after {@value #RECORDS} records of {@value #RECORD_BYTES} bytes the first
 * frames took about 5 ms.
 *
 * <p>The keys are random and thrown away: nothing sealed here is ever sent. The warm-up holds no state a run could
 * depend on; a second run in the same JVM finds the code compiled already.
 */
final class CipherWarmUp {

    static final int RECORDS = 6000;
    static final int RECORD_BYTES = 4096;
    private static final AtomicBoolean STARTED = new AtomicBoolean();

    private CipherWarmUp() {
    }

    /** Starts the warm-up on a low-priority daemon thread, unless this JVM has started it before. */
    static void startOnce() {
        if (!STARTED.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(CipherWarmUp::run, "sparkgrad-cipher-warmup");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    /** Seals and opens {@link #RECORDS} records under throwaway keys, the float encoding and decoding included. */
    static void run() {
        SecureRandom random = new SecureRandom();
        byte[] a = new byte[32];
        byte[] b = new byte[32];
        random.nextBytes(a);
        random.nextBytes(b);
        FrameProtection sender = FrameProtection.create(a, b);
        FrameProtection receiver = FrameProtection.create(b, a);
        byte[] header = new byte[Wire.HEADER_BYTES];
        float[] values = new float[RECORD_BYTES / 4];
        byte[] plain = new byte[RECORD_BYTES];
        byte[] sealed = new byte[RECORD_BYTES + FrameProtection.TAG_BYTES];
        FrameChannel.Payload payload = FrameChannel.floats(values, values.length);
        try {
            for (int i = 0; i < RECORDS; i++) {
                payload.copy(0, plain, 0, RECORD_BYTES);
                sender.sealRecord(header, plain, 0, RECORD_BYTES, sealed, 0);
                receiver.openRecord(header, sealed, 0, RECORD_BYTES, plain, 0);
                Wire.le(plain).asFloatBuffer().get(values);
            }
        } catch (ProtocolException e) {
            // Cannot happen (the records are this thread's own); a warm-up has nothing to report either way.
        }
    }
}
