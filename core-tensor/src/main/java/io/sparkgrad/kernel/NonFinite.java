package io.sparkgrad.kernel;

/**
 * Where an array's NaN and infinite values are: their count and the first index, or {@code (0, -1)}. The driver
 * checks each step's gradient sum this way, reading it only, before an optimizer step that divides it by the global
 * batch as it reads it: a sum divided by a count of at least 1 is non-finite exactly where the sum is.
 *
 * @param count how many values are NaN or infinite
 * @param first the index of the first of them, -1 when there are none
 */
public record NonFinite(int count, int first) {

    public static final NonFinite NONE = new NonFinite(0, -1);

    private static final boolean VECTOR = Gemm.vectorModulePresent();

    /**
     * The NaN and infinite values of {@code g}. The common case, all finite, is one vector pass that only reads; the
     * culprits are counted in a second pass when there are some.
     */
    public static NonFinite in(float[] g) {
        int done = VECTOR ? VectorElementwise.finitePrefix(g, g.length) : 0;
        if (done < 0) {
            return locate(g);
        }
        for (int i = done; i < g.length; i++) {
            if (!Float.isFinite(g[i])) {
                return locate(g);
            }
        }
        return NONE;
    }

    private static NonFinite locate(float[] g) {
        int count = 0;
        int first = -1;
        for (int i = 0; i < g.length; i++) {
            if (!Float.isFinite(g[i]) && count++ == 0) {
                first = i;
            }
        }
        return new NonFinite(count, first);
    }
}
