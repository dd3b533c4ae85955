package io.sparkgrad.tensor;

/**
 * A seedable random number generator (SplitMix64) for initialisation, dropout and shuffling. Each instance is
 * deterministic for its seed; {@link #global()} is the process-wide default that {@link #manualSeed(long)} reseeds,
 * like {@code torch.manual_seed}.
 */
public final class Generator {
    private static final Generator GLOBAL = new Generator(0x5EED);

    private long state;
    private double spareGaussian = Double.NaN;

    public Generator(long seed) {
        this.state = seed;
    }

    /** The process-wide default generator. */
    public static Generator global() {
        return GLOBAL;
    }

    /** Reseeds the global generator. */
    public static void manualSeed(long seed) {
        synchronized (GLOBAL) {
            GLOBAL.state = seed;
            GLOBAL.spareGaussian = Double.NaN;
        }
    }

    /** Restarts this generator's sequence from {@code seed} (a replica reseeds its dropout per step this way). */
    public synchronized void setSeed(long seed) {
        this.state = seed;
        this.spareGaussian = Double.NaN;
    }

    /** The next 64 random bits. */
    public synchronized long nextLong() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, 1). */
    public float nextFloat() {
        return (nextLong() >>> 40) * 0x1.0p-24f;
    }

    /** Uniform in [0, 1). */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [0, bound). */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        return (int) Math.floorMod(nextLong() >>> 1, (long) bound);
    }

    /** Standard normal (Box-Muller, the second value kept for the next call). */
    public synchronized double nextGaussian() {
        if (!Double.isNaN(spareGaussian)) {
            double g = spareGaussian;
            spareGaussian = Double.NaN;
            return g;
        }
        double u1;
        do {
            u1 = nextDouble();
        } while (u1 <= 0);
        double u2 = nextDouble();
        double r = Math.sqrt(-2 * Math.log(u1));
        spareGaussian = r * Math.sin(2 * Math.PI * u2);
        return r * Math.cos(2 * Math.PI * u2);
    }

    /** A uniformly random permutation of {@code 0..n-1} (Fisher-Yates). */
    public int[] permutation(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int tmp = p[i];
            p[i] = p[j];
            p[j] = tmp;
        }
        return p;
    }
}
