package io.sparkgrad.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PlaneRowsTest {

    /**
     * Rows of several widths (shorter than, equal to and longer than one vector) copied into a zero-bordered plane:
     * the interior holds the rows and every other float, borders and slack included, stays an exact zero, although the
     * source holds NaN and infinities right after each row and the last row ends at the end of the source array.
     */
    @Test
    void interiorIsCopiedAndBordersStayZeroWhateverFollowsTheRows() {
        for (int w : new int[] {1, 7, 14, 16, 17, 28, 40}) {
            int h = 5;
            int pad = 1;
            int wp = w + 2 * pad;
            int planeFloats = (h + 2 * pad) * wp;
            float[] src = new float[3 + h * w];
            for (int i = 0; i < src.length; i++) {
                src[i] = i % 3 == 0 ? Float.NaN : i % 3 == 1 ? Float.POSITIVE_INFINITY : i;
            }
            // Two planes side by side: the second one's borders must survive the first one's spill too.
            float[] dst = new float[2 * planeFloats + PlaneRows.SLACK];
            for (int plane = 0; plane < 2; plane++) {
                PlaneRows.copy(src, 3, w, h, dst, plane * planeFloats + pad * wp + pad, wp);
            }
            for (int i = 0; i < dst.length; i++) {
                int plane = i / planeFloats;
                int r = i % planeFloats / wp - pad;
                int c = i % planeFloats % wp - pad;
                boolean inside = plane < 2 && r >= 0 && r < h && c >= 0 && c < w;
                float want = inside ? src[3 + r * w + c] : 0f;
                assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(dst[i]),
                        "width " + w + ", float " + i + " (plane " + plane + ", row " + r + ", column " + c + ")");
            }
        }
    }
}
