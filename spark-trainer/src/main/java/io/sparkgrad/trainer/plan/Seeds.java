package io.sparkgrad.trainer.plan;

/**
 * Derives independent seeds from the run seed and a few integers (epoch, partition, step) with SplitMix64's
 * finalizer, so every random stream of a run is a pure function of the run seed: a re-run task, a resumed run and
 * the single-process reference all draw the same numbers.
 */
public final class Seeds {

    /** Tags keep the streams for different purposes apart even when their integers coincide. */
    public static final long ORDER = 0x4F52444552L;
    public static final long STEP = 0x53544550L;

    private Seeds() {
    }

    /** SplitMix64's output function: a bijective mix of 64 bits. */
    public static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A seed derived from {@code seed} and the given parts, order-sensitive. */
    public static long derive(long seed, long... parts) {
        long h = mix64(seed + 0x9E3779B97F4A7C15L);
        for (long p : parts) {
            h = mix64(h ^ mix64(p + 0x9E3779B97F4A7C15L));
        }
        return h;
    }

    /** The seed a replica gets for one step on one partition (see {@code ReplicaModel.beginStep}). */
    public static long stepSeed(long runSeed, long globalStep, int partition) {
        return derive(runSeed, STEP, globalStep, partition);
    }
}
