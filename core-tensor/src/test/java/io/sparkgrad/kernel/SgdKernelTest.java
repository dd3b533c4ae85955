package io.sparkgrad.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The kernel (Vector API where present, over threads) gives the reference loop's bits, for every option; with a
 * gradient divisor, the bits of the reference loop on the gradient divided in place first (the driver's mean).
 */
class SgdKernelTest {

    @ParameterizedTest(name = "n={0} wd={1} momentum={2} dampening={3} nesterov={4} maximize={5} threads={6} divisor={7}")
    @CsvSource({
        "1003300, 0, 0.9, 0, false, false, 2, 1",
        "1003300, 0, 0.9, 0, false, false, 2, 16",
        "70001, 0.01, 0.9, 0, false, false, 1, 3",
        "1000, 0, 0, 0, false, false, 2, 1",
        "999, 0.1, 0.5, 0.3, false, true, 1, 7",
        "65537, 0.001, 0.9, 0, true, false, 2, 1",
        "13, 0, 0.9, 0, true, true, 1, 96"})
    void matchesTheScalarReferenceBitForBit(int n, float wd, float momentum, float dampening, boolean nesterov, boolean maximize,
                                            int threads, float divisor) {
        WithThreads.run(threads, () -> {
            Random r = new Random(n);
            float[] p = new float[n + 3];
            float[] g = new float[n + 5];
            boolean hasMomentum = momentum != 0f;
            float[] buf = hasMomentum ? new float[n] : null;
            for (int i = 0; i < p.length; i++) {
                p[i] = (float) r.nextGaussian();
            }
            float[] p2 = p.clone();
            float[] buf2 = buf == null ? null : buf.clone();
            float[] start = p.clone();
            for (int step = 1; step <= 3; step++) {
                for (int i = 0; i < g.length; i++) {
                    g[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(8) - 6));
                }
                SgdKernel.Step s = new SgdKernel.Step(-0.01f, wd, hasMomentum, momentum, 1 - dampening, step == 1, nesterov, maximize);
                float[] mean = g.clone();
                for (int i = 0; i < mean.length; i++) {
                    mean[i] /= divisor;
                }
                SgdKernel.update(s, p, 3, g, 5, divisor, buf, n);
                SgdKernel.scalar(s, p2, 3, mean, 5, 1f, buf2, 0, n);
                assertArrayEquals(p2, p, 0f, "parameters after step " + step);
                if (hasMomentum) {
                    assertArrayEquals(buf2, buf, 0f, "momentum_buffer after step " + step);
                }
            }
            assertNotEquals(Arrays.hashCode(start), Arrays.hashCode(p), "the steps moved the parameters");
            assertArrayEquals(Arrays.copyOf(start, 3), Arrays.copyOf(p, 3), 0f, "nothing before the offset is touched");
        });
    }
}
