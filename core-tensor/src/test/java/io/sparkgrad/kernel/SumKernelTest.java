package io.sparkgrad.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The join of two gradient sums: a plain loop's bits at every size and thread count, and every non-finite sum seen. */
class SumKernelTest {

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(16) - 8));
        }
        return g;
    }

    @ParameterizedTest(name = "n={0} threads={1}")
    @CsvSource({"0, 1", "1, 2", "17, 1", "1003300, 1", "1003300, 2", "600001, 2"})
    void addsAsAPlainLoopAndSeesEveryNonFiniteSum(int n, int threads) {
        WithThreads.run(threads, () -> {
            float[] g = random(n, n);
            float[] r = random(n, n + 1);
            float[] expected = g.clone();
            for (int i = 0; i < n; i++) {
                expected[i] = expected[i] + r[i];
            }
            assertFalse(SumKernel.addInto(g, r), "all finite");
            assertArrayEquals(expected, g, 0f);
            // One culprit at a time: in the first and the last thread's share, the vector body and the tail; finite
            // values whose sum overflows count too.
            for (int at : new int[] {0, n / 2 + 3, n - 1}) {
                if (at < 0 || at >= n) {
                    continue;
                }
                float[] a = random(n, 5);
                float[] b = random(n, 6);
                a[at] = 3e38f;
                b[at] = 3e38f;
                assertTrue(SumKernel.addInto(a, b), "an overflowing sum at " + at + " of " + n);
                a = random(n, 5);
                a[at] = Float.NaN;
                assertTrue(SumKernel.addInto(a, random(n, 6)), "NaN at " + at + " of " + n);
            }
        });
    }

    @ParameterizedTest(name = "lengths {0} and {1}")
    @CsvSource({"3, 4", "4, 3"})
    void refusesSumsOfDifferentLengths(int a, int b) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SumKernel.addInto(new float[a], new float[b]));
        assertTrue(e.getMessage().contains("of different lengths: " + a + " and " + b), e.getMessage());
    }
}
