package io.sparkgrad.kernel;

/**
 * One implementation of row-major single-precision GEMM, {@code C = alpha * op(A) * op(B) + beta * C}. Arguments
 * are validated by {@link Gemm} before they reach a backend.
 */
interface SgemmBackend {

    /** A short name for logs and benchmarks, e.g. {@code openblas} or {@code java-vector512}. */
    String name();

    /** The SIMD width this backend's kernel uses, in bits (0 when it is not a Vector API kernel). */
    default int vectorBits() {
        return 0;
    }

    /**
     * See {@link Gemm#sgemm}; arguments are already checked. The cases every backend shares are handled here: an
     * empty C is left alone, and with {@code k == 0} or {@code alpha == 0} C is only scaled by beta.
     */
    default void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
            float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0f) {
            Gemm.scaleC(m, n, beta, c, cOff, ldc);
            return;
        }
        product(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** The product proper, {@code C = alpha * op(A) * op(B) + beta * C}, for m, n and k at least 1 and alpha not 0. */
    void product(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
            float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc);
}
