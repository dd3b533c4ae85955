package io.sparkgrad.kernel;

import jdk.incubator.vector.FloatVector;

/**
 * The sum of a vector's lanes, added in lane order. {@code reduceLanes(ADD)} leaves the order open, and JDK 25's C2
 * adds the lanes in another order than its interpreter and C1 do (676 of 1,000 random sums differed in their last
 * bits), so a run's results would depend on when the JIT compiled each kernel. JDK 17 adds them in lane order in
 * every tier, so this gives the bits {@code reduceLanes} gave there.
 */
final class LaneSum {

    private LaneSum() {
    }

    /** The lanes of {@code v} added in order, through {@code scratch} (at least {@code v.length()} floats). */
    static float of(FloatVector v, float[] scratch) {
        v.intoArray(scratch, 0);
        float s = 0f;
        for (int i = 0; i < v.length(); i++) {
            s += scratch[i];
        }
        return s;
    }
}
