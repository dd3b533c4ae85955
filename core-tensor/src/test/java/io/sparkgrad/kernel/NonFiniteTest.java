package io.sparkgrad.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Every NaN and infinity is counted and the first named, wherever it is: in the vector body, the tail, alone or many. */
class NonFiniteTest {

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(70) - 35));
        }
        return g;
    }

    @Test
    void finiteArraysHaveNone() {
        for (int n : new int[] {0, 1, 15, 16, 17, 1000, 207_178}) {
            float[] g = random(n, n);
            if (n > 2) {
                g[0] = Float.MAX_VALUE;
                g[n - 1] = -Float.MAX_VALUE;
                g[n / 2] = Float.MIN_VALUE;
            }
            assertEquals(NonFinite.NONE, NonFinite.in(g), "n=" + n);
        }
    }

    @Test
    void aSingleCulpritIsFoundAtEveryPosition() {
        float[] values = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        for (int n : new int[] {1, 16, 33, 67}) {
            for (int at = 0; at < n; at++) {
                float[] g = random(n, at);
                g[at] = values[at % 3];
                assertEquals(new NonFinite(1, at), NonFinite.in(g), "n=" + n + " at " + at);
            }
        }
    }

    @Test
    void manyAreCountedAndTheFirstNamed() {
        float[] g = random(1003, 5);
        g[40] = Float.NaN;
        g[700] = Float.POSITIVE_INFINITY;
        g[1002] = Float.NEGATIVE_INFINITY; // in the scalar tail
        assertEquals(new NonFinite(3, 40), NonFinite.in(g));
        float[] tailOnly = random(1003, 6);
        tailOnly[1001] = Float.NaN;
        assertEquals(new NonFinite(1, 1001), NonFinite.in(tailOnly));
    }
}
