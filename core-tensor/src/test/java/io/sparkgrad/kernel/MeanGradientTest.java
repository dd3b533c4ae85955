package io.sparkgrad.kernel;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The vector division gives the scalar loop's bits, and finds every non-finite quotient wherever it is. */
class MeanGradientTest {

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(20) - 10));
        }
        return g;
    }

    @Test
    void quotientsAreTheScalarDivisionsBitForBit() {
        for (int n : new int[] {0, 1, 15, 16, 17, 1000, 207_178}) {
            for (float b : new float[] {64f, 3f, 24f, 1e-30f}) {
                float[] g = random(n, n + (long) b);
                float[] expected = g.clone();
                for (int i = 0; i < n; i++) {
                    expected[i] = expected[i] / b;
                }
                MeanGradient.NonFinite nf = MeanGradient.divideInPlace(g, b);
                for (int i = 0; i < n; i++) {
                    assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(g[i]), "n=" + n + " b=" + b + " element " + i);
                }
                long bad = 0;
                for (float v : expected) {
                    bad += Float.isFinite(v) ? 0 : 1;
                }
                assertEquals(bad, nf.count(), "n=" + n + " b=" + b);
            }
        }
    }

    @Test
    void nonFiniteValuesAreCountedAndTheFirstIsNamedInTheVectorBodyAndTheTail() {
        float[] g = random(1003, 5);
        g[40] = Float.NaN;
        g[700] = Float.POSITIVE_INFINITY;
        g[1002] = Float.NEGATIVE_INFINITY; // in the scalar tail
        MeanGradient.NonFinite nf = MeanGradient.divideInPlace(g, 64f);
        assertEquals(new MeanGradient.NonFinite(3, 40), nf);
        float[] tailOnly = random(1003, 6);
        tailOnly[1001] = Float.NaN;
        assertEquals(new MeanGradient.NonFinite(1, 1001), MeanGradient.divideInPlace(tailOnly, 64f));
        float[] overflow = {3e38f, 1f};
        assertEquals(new MeanGradient.NonFinite(1, 0), MeanGradient.divideInPlace(overflow, 1e-3f), "a finite sum whose mean overflows");
        assertEquals(MeanGradient.NonFinite.NONE, MeanGradient.divideInPlace(random(999, 7), 64f));
    }
}
