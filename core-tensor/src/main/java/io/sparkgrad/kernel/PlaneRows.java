package io.sparkgrad.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Copies the rows of an image plane into the interior of a zero-bordered plane (wider rows), as whole vectors.
 *
 * <p>Why: the MNIST CNN's rows are 7 to 28 floats, and {@code System.arraycopy} of so few costs about 4 ns a row
 * (measured), a tenth of a small layer's forward. Here each row is one or two vector loads and stores: the last,
 * partial vector of a row keeps only the row's lanes (blended into zeros by a lane mask, so even NaN or infinite
 * values read past the row become exact zeros) and is stored whole, so it writes zeros past the row's end, into the
 * right border, the next row's left border and the start of the next row, which is written afterwards. Borders thus
 * stay zero. The destination needs {@link #SLACK} floats after the last row a plane may get (its last row's spill), and
 * rows must be copied in increasing order. Only loaded after checking that the module {@code jdk.incubator.vector}
 * is present.
 */
final class PlaneRows {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
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
        // The lanes of the row's last partial vector. Why a float mask and a blend, not a bitwise AND through
        // reinterpretAsInts: on JDK 17, C2 intrinsifies a reinterpretation only when it folds the target species to
        // a constant, which depends on inlining and so on compilation timing; in 5 of 13 runs it did not, and every
        // row's tail then went through the Vector API's Java fallback (a ByteBuffer per call: 0.8 MB allocated per
        // training step of the MNIST CNN at batch 64). A mask kept across the loop is boxed at most once per call.
        VectorMask<Float> keep = FloatVector.zero(S).addIndex(1).compare(VectorOperators.LT, w - whole);
        FloatVector zero = FloatVector.zero(S);
        for (int r = 0; r < rows; r++) {
            int s = from + r * w;
            int d = to + r * dstStride;
            for (int j = 0; j < whole; j += L) {
                FloatVector.fromArray(S, src, s + j).intoArray(dst, d + j);
            }
            if (whole < w) {
                if (s + whole + L <= src.length) {
                    zero.blend(FloatVector.fromArray(S, src, s + whole), keep).intoArray(dst, d + whole);
                } else {
                    System.arraycopy(src, s + whole, dst, d + whole, w - whole);
                }
            }
        }
    }
}
