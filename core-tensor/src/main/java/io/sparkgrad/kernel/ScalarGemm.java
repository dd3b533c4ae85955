package io.sparkgrad.kernel;

/**
 * The GEMM that always works: plain Java loops, blocked over k and rows of op(B), in an i-p-j order whose inner
 * loop runs along contiguous rows of C and of (packed) op(B) so that the JIT's auto-vectoriser can use it. Used
 * when neither OpenBLAS nor the Vector API module is available.
 */
final class ScalarGemm implements SgemmBackend {

    private static final int KC = 128;
    private static final int NC = 1024;
    private static final ThreadLocal<float[]> PACK = ThreadLocal.withInitial(() -> new float[KC * NC]);

    @Override
    public String name() {
        return "java-scalar";
    }

    @Override
    public void product(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
            float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        Gemm.scaleC(m, n, beta, c, cOff, ldc);
        Parallelism.parallelFor(m, Math.max(1, (int) (65536L / Math.max(1L, (long) n * k))),
                (chunk, i0, i1) -> rows(transA, transB, i0, i1, n, k, alpha, a, aOff, lda, b, bOff, ldb, c, cOff,
                        ldc));
    }

    private static void rows(boolean transA, boolean transB, int i0, int i1, int n, int k, float alpha, float[] a,
            int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        float[] bp = PACK.get();
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                // bp[p * nc + j] = op(B)(pc + p, jc + j)
                for (int p = 0; p < kc; p++) {
                    if (transB) {
                        for (int j = 0; j < nc; j++) {
                            bp[p * nc + j] = b[bOff + (jc + j) * ldb + pc + p];
                        }
                    } else {
                        System.arraycopy(b, bOff + (pc + p) * ldb + jc, bp, p * nc, nc);
                    }
                }
                for (int i = i0; i < i1; i++) {
                    int row = cOff + i * ldc + jc;
                    for (int p = 0; p < kc; p++) {
                        float av = alpha * (transA ? a[aOff + (pc + p) * lda + i] : a[aOff + i * lda + pc + p]);
                        int bRow = p * nc;
                        for (int j = 0; j < nc; j++) {
                            c[row + j] += av * bp[bRow + j];
                        }
                    }
                }
            }
        }
    }
}
