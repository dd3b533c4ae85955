package io.sparkgrad.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The kernel (Vector API where present, over threads) gives the reference loop's bits, for every option. */
class AdamKernelTest {

    @ParameterizedTest(name = "n={0} l2={1} decoupled={2} amsgrad={3} maximize={4} threads={5}")
    @CsvSource({
        "70001, 0, false, false, false, 2",
        "70001, 0.01, false, false, false, 1",
        "1000, 0.01, true, false, false, 2",
        "999, 0, false, true, false, 1",
        "65537, 0.1, false, true, true, 2",
        "13, 0, false, false, true, 1"})
    void matchesTheScalarReferenceBitForBit(int n, float wd, boolean decoupled, boolean amsgrad, boolean maximize, int threads) {
        int before = Parallelism.numThreads();
        Parallelism.setNumThreads(threads);
        try {
            Random r = new Random(n);
            float[] p = new float[n + 3];
            float[] g = new float[n + 5];
            float[] m = new float[n];
            float[] v = new float[n];
            float[] vmax = amsgrad ? new float[n] : null;
            for (int i = 0; i < p.length; i++) {
                p[i] = (float) r.nextGaussian();
            }
            float[] p2 = p.clone();
            float[] m2 = m.clone();
            float[] v2 = v.clone();
            float[] vmax2 = vmax == null ? null : vmax.clone();
            for (int step = 1; step <= 3; step++) {
                for (int i = 0; i < g.length; i++) {
                    // Some gradients tiny, some large: the square root and the divisions see every scale.
                    g[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(8) - 6));
                }
                double bc1 = 1 - Math.pow(0.9, step);
                double bc2 = 1 - Math.pow(0.999, step);
                AdamKernel.Step s = new AdamKernel.Step((float) (-1e-3 / bc1), (float) Math.sqrt(bc2), 0.9f, 0.999f, 0.1f, 0.001f,
                        1e-8f, decoupled ? 0f : wd, decoupled, (float) (1 - 1e-3 * wd), maximize);
                AdamKernel.update(s, p, 3, g, 5, m, v, vmax, n);
                AdamKernel.scalar(s, p2, 3, g, 5, m2, v2, vmax2, 0, n);
                assertArrayEquals(p2, p, 0f, "parameters after step " + step);
                assertArrayEquals(m2, m, 0f, "exp_avg after step " + step);
                assertArrayEquals(v2, v, 0f, "exp_avg_sq after step " + step);
                if (amsgrad) {
                    assertArrayEquals(vmax2, vmax, 0f, "max_exp_avg_sq after step " + step);
                }
            }
        } finally {
            Parallelism.setNumThreads(before);
        }
    }
}
