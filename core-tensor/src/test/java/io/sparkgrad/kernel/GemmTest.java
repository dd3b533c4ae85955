package io.sparkgrad.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RestoreThreadCount.class)
class GemmTest {

    private static List<String> backends() {
        List<String> list = new ArrayList<>();
        for (String b : new String[] {"openblas", "java-vector", "java-scalar"}) {
            if (Gemm.isAvailable(b)) {
                list.add(b);
            }
        }
        return list;
    }

    @Test
    void pureJavaBackendsAreAlwaysAvailableAndTheVectorOneWhenItsModuleIs() {
        assertTrue(Gemm.isAvailable("java-scalar"));
        assertEquals(Gemm.vectorModulePresent(), Gemm.isAvailable("java-vector"));
        String forced = System.getProperty("sparkgrad.gemm");
        if (forced == null && Gemm.javaBackendName().matches("java-vector(256|512|1024|2048)")) {
            assertEquals(Gemm.javaBackendName(), Gemm.backend());
        } else {
            assertFalse(Gemm.backend().isBlank());
        }
    }

    /** Random shapes around the tile sizes, all transposes, offsets, padded leading dimensions, alpha and beta. */
    @Test
    void everyBackendMatchesTheTripleLoopForAllTransposesOffsetsAndLeadingDimensions() {
        SplittableRandom rnd = new SplittableRandom(7);
        int[][] shapes = {{1, 1, 1}, {3, 5, 7}, {8, 32, 16}, {9, 33, 17}, {17, 7, 300}, {64, 10, 784}, {10, 784, 64},
            {16, 49, 144}, {40, 70, 3}, {130, 5, 260}, {2, 2100, 9}};
        float[][] alphaBeta = {{1f, 0f}, {0.5f, 1f}, {-2f, 0.25f}};
        for (String backend : backends()) {
            for (int[] s : shapes) {
                for (int t = 0; t < 4; t++) {
                    boolean ta = (t & 1) != 0;
                    boolean tb = (t & 2) != 0;
                    float[] ab = alphaBeta[(s[0] + t) % alphaBeta.length];
                    check(backend, rnd, ta, tb, s[0], s[1], s[2], ab[0], ab[1], 1 + rnd.nextInt(4));
                }
            }
        }
    }

    @Test
    void backendsAgreeWithEachOtherOnTheCnnShapes() {
        SplittableRandom rnd = new SplittableRandom(11);
        List<String> bs = backends();
        int[][] shapes = {{16, 3136, 144}, {144, 784, 16}, {16, 144, 784}, {256, 256, 256}};
        for (int[] s : shapes) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            float[] a = Reference.random(rnd, m * k);
            float[] b = Reference.random(rnd, k * n);
            float[] first = null;
            for (String backend : bs) {
                float[] c = new float[m * n];
                Gemm.sgemmWith(backend, false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
                if (first == null) {
                    first = c;
                } else {
                    Reference.assertClose(backend + " vs " + bs.get(0) + " " + m + "x" + n + "x" + k, first, c, 1e-4,
                            1e-4);
                }
            }
        }
    }

    @Test
    void multiThreadedProductsEqualTheReference() {
        Parallelism.setNumThreads(2);
        SplittableRandom rnd = new SplittableRandom(3);
        for (String backend : backends()) {
            // Over 4M multiply-adds, so that the Java kernel splits them over the threads (columns, then rows).
            check(backend, rnd, false, false, 160, 300, 128, 1f, 0f, 0);
            check(backend, rnd, true, true, 300, 120, 128, 1f, 1f, 3);
        }
    }

    @Test
    void betaZeroOverwritesNaNsAsInBlas() {
        for (String backend : backends()) {
            float[] a = {1f, 2f, 3f, 4f};
            float[] b = {1f, 0f, 0f, 1f};
            float[] c = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
            Gemm.sgemmWith(backend, false, false, 2, 2, 2, 1f, a, 0, 2, b, 0, 2, 0f, c, 0, 2);
            Reference.assertClose(backend, new float[] {1f, 2f, 3f, 4f}, c, 0, 0);
        }
    }

    @Test
    void betaZeroIgnoresNaNsInCOnEveryKernelPath() {
        SplittableRandom rnd = new SplittableRandom(13);
        // dot-product path (x * W^T, narrow), transposed-result path, full tiles with edges, several k-blocks
        int[][] shapes = {{20, 10, 100}, {64, 7, 40}, {37, 45, 600}};
        for (String backend : backends()) {
            for (int[] sh : shapes) {
                for (int t = 0; t < 4; t++) {
                    boolean ta = (t & 1) != 0;
                    boolean tb = (t & 2) != 0;
                    int m = sh[0];
                    int n = sh[1];
                    int k = sh[2];
                    float[] a = Reference.random(rnd, m * k);
                    float[] b = Reference.random(rnd, k * n);
                    float[] c = Conv2dKernelTest.filled(m * n, Float.NaN);
                    float[] expected = new float[m * n];
                    Reference.gemm(ta, tb, m, n, k, 0.5f, a, 0, ta ? m : k, b, 0, tb ? k : n, 0f, expected, 0, n);
                    Gemm.sgemmWith(backend, ta, tb, m, n, k, 0.5f, a, 0, ta ? m : k, b, 0, tb ? k : n, 0f, c, 0, n);
                    Reference.assertClose(backend + " beta=0 over NaN " + m + "x" + n + "x" + k + " ta=" + ta
                            + " tb=" + tb, expected, c, 1e-4, 1e-4);
                }
            }
        }
    }

    @Test
    void elementsOutsideTheTargetBlockOfCAreLeftAlone() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (String backend : backends()) {
            int m = 13;
            int n = 37;
            int k = 20;
            int ldc = n + 5;
            float[] a = Reference.random(rnd, m * k);
            float[] b = Reference.random(rnd, k * n);
            float[] c = new float[3 + m * ldc + 4];
            java.util.Arrays.fill(c, 42f);
            Gemm.sgemmWith(backend, false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 3, ldc);
            for (int i = 0; i < c.length; i++) {
                int rel = i - 3;
                boolean inside = rel >= 0 && rel / ldc < m && rel % ldc < n;
                if (!inside) {
                    assertEquals(42f, c[i], backend + ": element " + i + " outside C was written");
                }
            }
        }
    }

    @Test
    void badArgumentsNameTheOperandAndSizes() {
        float[] a = new float[6];
        float[] b = new float[6];
        float[] c = new float[4];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.sgemm(false, false, 2, 2, 3, 1f, a, 1, 3, b, 0, 2, 0f, c, 0, 2));
        assertTrue(e.getMessage().contains("A (2x3, offset 1, ld 3) needs 7 floats but its array has 6"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.sgemm(false, true, 2, 2, 3, 1f, a, 0, 3, b, 0, 2, 0f, c, 0, 2));
        assertTrue(e.getMessage().contains("ldb=2 is smaller than the 3 columns of B"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.sgemm(false, false, -1, 2, 3, 1f, a, 0, 3, b, 0, 2, 0f, c, 0, 2));
        assertTrue(e.getMessage().contains("m=-1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Gemm.isAvailable("mkl"));
    }

    private static void check(String backend, SplittableRandom rnd, boolean ta, boolean tb, int m, int n, int k,
            float alpha, float beta, int pad) {
        int aRows = ta ? k : m;
        int aCols = ta ? m : k;
        int bRows = tb ? n : k;
        int bCols = tb ? k : n;
        int lda = aCols + pad;
        int ldb = bCols + 2 * pad;
        int ldc = n + pad;
        int aOff = pad * 3;
        int bOff = pad;
        int cOff = pad * 2;
        float[] a = Reference.random(rnd, aOff + aRows * lda);
        float[] b = Reference.random(rnd, bOff + bRows * ldb);
        float[] c = Reference.random(rnd, cOff + m * ldc);
        float[] expected = c.clone();
        Reference.gemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, expected, cOff, ldc);
        Gemm.sgemmWith(backend, ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        String what = backend + " ta=" + ta + " tb=" + tb + " " + m + "x" + n + "x" + k + " alpha=" + alpha
                + " beta=" + beta + " pad=" + pad;
        Reference.assertClose(what, expected, c, 2e-5 * Math.sqrt(k), 2e-5 * Math.sqrt(k));
    }
}
