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

    /** See {@link Gemm#sgemm}; arguments are already checked. */
    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
            float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc);
}
