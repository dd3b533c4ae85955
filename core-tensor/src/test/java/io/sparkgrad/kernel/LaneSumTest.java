package io.sparkgrad.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link LaneSum} adds the lanes in lane order, bit for bit, however often it has run: called enough times for the
 * JIT to compile it (where {@code reduceLanes(ADD)} on JDK 25 changes its order), on sums whose order shows in the
 * last bits (lanes of magnitudes 1 to 1e6 and both signs).
 */
class LaneSumTest {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    @Test
    void addsTheLanesInLaneOrderInEveryTier() {
        SplittableRandom rnd = new SplittableRandom(11);
        float[] lanes = new float[S.length()];
        float[] scratch = new float[S.length()];
        int orderShows = 0;
        for (int round = 0; round < 200_000; round++) {
            for (int i = 0; i < lanes.length; i++) {
                lanes[i] = (float) ((rnd.nextDouble() - 0.5) * Math.pow(10, rnd.nextInt(7)));
            }
            float inOrder = 0f;
            float reversed = 0f;
            for (int i = 0; i < lanes.length; i++) {
                inOrder += lanes[i];
                reversed += lanes[lanes.length - 1 - i];
            }
            if (inOrder != reversed) {
                orderShows++;
            }
            float got = LaneSum.of(FloatVector.fromArray(S, lanes, 0), scratch);
            if (Float.floatToRawIntBits(got) != Float.floatToRawIntBits(inOrder)) {
                assertEquals(inOrder, got, 0f, "round " + round + ": the lanes were not added in lane order");
            }
        }
        // The data must be able to tell orders apart, or the check above proves nothing.
        assertTrue(orderShows > 100_000, "only " + orderShows + " sums depend on the order");
    }
}
