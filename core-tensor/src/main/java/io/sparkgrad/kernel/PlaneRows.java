package io.sparkgrad.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Copies the rows of an image plane into the interior of a zero-bordered plane (wider rows), as whole vectors.
 *
 * <p>Why: the MNIST CNN's rows are 7 to 28 floats, and {@code System.arraycopy} of so few costs about 4 ns a row
 * (measured), a tenth of a small layer's forward. Here each row is one or two vector loads and stores: the last,
 * partial vector of a row keeps only the row's lanes (bitwise AND with a lane mask, so even NaN or infinite values
 * read past the row become exact zeros) and is stored whole, so it writes zeros past the row's end, into the right
 * border, the next row's left border and the start of the next row, which is written afterwards. Borders thus stay
 * zero. The destination needs {@link #SLACK} floats after the last row a plane may get (its last row's spill), and
 * rows must be copied in increasing order. Only loaded after checking that the module {@code jdk.incubator.vector}
 * is present.
 */
final class PlaneRows {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Floats a copy may write past the end of the last row it copies. */
    static final int SLACK = L;

    private PlaneRows() {
    }

    /**
     * {@code dst[to + r * dstStride + j] = src[from + r * w + j]} for {@code r < rows}, {@code j < w}, writing zeros
     * into up to {@code L - 1} floats past each row (see the class comment). Rows whose vector load would pass the end
     * of {@code src} are copied with {@code System.arraycopy} instead.
     */
    static void copy(float[] src, int from, int w, int rows, float[] dst, int to, int dstStride) {
        int whole = w / L * L;
        // All ones in the lanes of the row's last partial vector, zeros past the row (independent of the lane order
        // of a mask, which C2 may box when a mask is kept across a loop).
        IntVector keep = IntVector.zero(I).addIndex(1).compare(VectorOperators.LT, w - whole).toVector()
                .reinterpretAsInts();
        for (int r = 0; r < rows; r++) {
            int s = from + r * w;
            int d = to + r * dstStride;
            for (int j = 0; j < whole; j += L) {
                FloatVector.fromArray(S, src, s + j).intoArray(dst, d + j);
            }
            if (whole < w) {
                if (s + whole + L <= src.length) {
                    FloatVector.fromArray(S, src, s + whole).reinterpretAsInts().lanewise(VectorOperators.AND, keep)
                            .reinterpretAsFloats().intoArray(dst, d + whole);
                } else {
                    System.arraycopy(src, s + whole, dst, d + whole, w - whole);
                }
            }
        }
    }
}
