package io.sparkgrad.kernel;

/**
 * Adds one gradient sum into another, element by element, and tells whether any result is NaN or infinite: the
 * driver's join of two workers' gradients, which thereby also checks the step's sum for free (a separate read-only
 * pass over a million parameters took as long as the division it replaced, 0.17 ms on a 2-core Intel Xeon,
 * 2026-12-08). The same float addition per element as a plain loop, so the same bits.
 */
public final class SumKernel {

    private static final boolean VECTOR = Gemm.vectorModulePresent();
    /**
     * Least elements worth a thread. The driver joins once between two distributed steps while the workers wait;
     * below this a parked thread's wake-up costs more than the half it would take over (as {@link AdamKernel}'s).
     */
    private static final int GRAIN = 1 << 18;

    private SumKernel() {
    }

    /**
     * {@code g[i] = g[i] + r[i]} for every element of {@code g}.
     *
     * @return whether any of the sums is NaN or infinite
     * @throws IllegalArgumentException when the arrays differ in length
     */
    public static boolean addInto(float[] g, float[] r) {
        if (g.length != r.length) {
            throw new IllegalArgumentException("gradient sums of different lengths: " + g.length + " and " + r.length);
        }
        int n = g.length;
        int chunks = Parallelism.chunks(n, GRAIN);
        boolean[] bad = new boolean[chunks];
        Parallelism.parallelForChunks(n, chunks, (chunk, from, to) -> {
            int done = from;
            boolean nonFinite = false;
            if (VECTOR) {
                long v = VectorElementwise.addInto(g, r, from, to);
                done = (int) (v >>> 1);
                nonFinite = (v & 1) != 0;
            }
            for (int i = done; i < to; i++) {
                float s = g[i] + r[i];
                g[i] = s;
                nonFinite |= !Float.isFinite(s);
            }
            bad[chunk] = nonFinite;
        });
        for (boolean b : bad) {
            if (b) {
                return true;
            }
        }
        return false;
    }
}
