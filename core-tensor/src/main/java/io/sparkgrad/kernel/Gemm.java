package io.sparkgrad.kernel;

import java.util.Locale;

/**
 * Row-major single-precision matrix multiply, {@code C = alpha * op(A) * op(B) + beta * C}, where {@code op(X)}
 * is {@code X} or its transpose.
 *
 * <p>Shapes: {@code op(A)} is {@code m x k}, {@code op(B)} is {@code k x n}, {@code C} is {@code m x n}. Matrices
 * are stored row-major at an offset in a {@code float[]}, with a leading dimension (the distance between rows as
 * stored): {@code A} is stored {@code m x k} ({@code k x m} when transposed) with {@code lda >= } its column
 * count, likewise {@code B} and {@code ldb}, and {@code C} with {@code ldc >= n}. As in BLAS, {@code beta == 0}
 * overwrites C without reading it (NaNs in C do not propagate).
 *
 * <p>Backends, chosen once at class load: the pure-Java Vector API kernel when the module
 * {@code jdk.incubator.vector} is present and the CPU has vectors of at least 256 bits, else OpenBLAS
 * ({@code org.bytedeco:openblas}) where its native library loads, else a scalar blocked loop. The system property
 * {@code sparkgrad.gemm=openblas|java|java-vector|java-scalar} forces one ({@code java} means the best pure-Java
 * one).
 *
 * <p>Why the Java kernel comes first: measured on the 2-core AVX-512 build machine ({@code KernelBench}, one
 * thread), it runs 256^3 at about 150-170 GFLOP/s against OpenBLAS's 83-89, the tutorial CNN's batched conv shapes
 * 1.2-2x faster, and a 10-class {@code Linear}'s {@code x * W^T} (64x10x784) at about 68 against 38-46, because
 * OpenBLAS needs every operand copied into native memory first (JavaCPP's {@code float[]} overloads copy whole
 * arrays per call: 1.5 ms for 64k-float operands). OpenBLAS is still ahead on a narrow product with an
 * untransposed B (64x16x784: about 55 against 30), which the layers here do not produce.
 * Problems with at most {@value #SMALL_FMAS} multiply-adds always use the pure-Java kernel (no JNI call). All
 * backends use {@link Parallelism#numThreads()} threads.
 */
public final class Gemm {

    /** Problems this small (m*n*k multiply-adds) never go through JNI. */
    static final int SMALL_FMAS = 32 * 32 * 32;

    private static final SgemmBackend JAVA = javaBackend();
    private static final String FORCED = System.getProperty("sparkgrad.gemm");
    private static final SgemmBackend BACKEND = chooseBackend();
    /** What the convolution kernels use: the forced backend, else the pure-Java one (see {@link #sgemmInner}). */
    private static final SgemmBackend INNER = FORCED == null || FORCED.isBlank() ? JAVA : BACKEND;

    private Gemm() {
    }

    /** The backend in use: {@code java-vector512} (or 256, 128), {@code openblas} or {@code java-scalar}. */
    public static String backend() {
        return BACKEND.name();
    }

    /** The name of the pure-Java backend (used for small problems and as the fallback). */
    public static String javaBackendName() {
        return JAVA.name();
    }

    /** Why OpenBLAS did not load, or null when it loaded or was not tried. */
    public static String openBlasLoadError() {
        return OpenBlasGemm.loadError();
    }

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C} with the backend in use. See the class comment for the layout.
     *
     * @throws IllegalArgumentException on a negative size, a leading dimension smaller than its row, or an operand
     *     that does not fit its array (the message names the operand, its shape and the array length)
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff,
            int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        SgemmBackend impl = (long) m * n * k <= SMALL_FMAS ? JAVA : BACKEND;
        impl.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** Same as {@link #sgemm} but always with the pure-Java backend (no JNI, no copies). */
    public static void sgemmJava(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a,
            int aOff, int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        JAVA.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /**
     * The GEMM the other kernels call on their own scratch buffers: no argument checks, and the pure-Java backend
     * unless {@code sparkgrad.gemm} forces one. Convolution operands are small and cache-resident, so copying them
     * across JNI costs more than OpenBLAS saves (measured in {@code KernelBench}).
     */
    static void sgemmInner(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff,
            int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        INNER.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /**
     * Runs one product on a named backend ({@code openblas}, {@code java-vector}, {@code java-scalar}); for tests
     * and benchmarks that compare backends.
     *
     * @throws IllegalStateException if that backend is not available here
     */
    public static void sgemmWith(String backend, boolean transA, boolean transB, int m, int n, int k, float alpha,
            float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        SgemmBackend impl = named(backend);
        if (impl == null) {
            throw new IllegalStateException("GEMM backend '" + backend + "' is not available here"
                    + (backend.startsWith("openblas") ? " (" + OpenBlasGemm.loadError() + ")" : ""));
        }
        impl.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** True when the named backend ({@code openblas}, {@code java-vector}, {@code java-scalar}) can run here. */
    public static boolean isAvailable(String backend) {
        return named(backend) != null;
    }

    private static SgemmBackend named(String backend) {
        return switch (backend.toLowerCase(Locale.ROOT)) {
            case "openblas" -> OpenBlasGemm.load();
            case "java-vector" -> vectorModulePresent() ? newVector() : null;
            case "java-scalar" -> new ScalarGemm();
            case "java" -> JAVA;
            default -> throw new IllegalArgumentException(
                    "unknown GEMM backend '" + backend + "': expected openblas, java, java-vector or java-scalar");
        };
    }

    private static SgemmBackend chooseBackend() {
        String forced = FORCED;
        if (forced != null && !forced.isBlank()) {
            SgemmBackend impl = named(forced.trim());
            if (impl == null) {
                throw new IllegalStateException("system property sparkgrad.gemm=" + forced
                        + " names a backend that is not available here"
                        + (forced.trim().startsWith("openblas") ? ": " + OpenBlasGemm.loadError() : ""));
            }
            return impl;
        }
        if (JAVA.vectorBits() >= 256) {
            return JAVA;
        }
        SgemmBackend openBlas = OpenBlasGemm.load();
        return openBlas != null ? openBlas : JAVA;
    }

    private static SgemmBackend javaBackend() {
        return vectorModulePresent() ? newVector() : new ScalarGemm();
    }

    /** Constructed by reflection so that this class never links against jdk.incubator.vector when it is absent. */
    private static SgemmBackend newVector() {
        try {
            return (SgemmBackend) Class.forName("io.sparkgrad.kernel.VectorGemm").getDeclaredConstructor()
                    .newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }

    static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /** C := beta * C over an m x n block (beta 0 writes zeros without reading). */
    static void scaleC(int m, int n, float beta, float[] c, int cOff, int ldc) {
        if (beta == 1f) {
            return;
        }
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            if (beta == 0f) {
                java.util.Arrays.fill(c, row, row + n, 0f);
            } else {
                for (int j = 0; j < n; j++) {
                    c[row + j] *= beta;
                }
            }
        }
    }

    private static void check(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, int lda,
            float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("sgemm: sizes must be >= 0, got m=" + m + " n=" + n + " k=" + k);
        }
        checkOperand("A", transA ? k : m, transA ? m : k, a, aOff, lda, m == 0 || k == 0);
        checkOperand("B", transB ? n : k, transB ? k : n, b, bOff, ldb, n == 0 || k == 0);
        checkOperand("C", m, n, c, cOff, ldc, m == 0 || n == 0);
    }

    private static void checkOperand(String name, int rows, int cols, float[] x, int off, int ld, boolean empty) {
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException("sgemm: ld" + name.toLowerCase(Locale.ROOT) + "=" + ld
                    + " is smaller than the " + cols + " columns of " + name + " as stored (" + rows + "x" + cols
                    + ")");
        }
        if (empty) {
            return;
        }
        if (x == null) {
            throw new IllegalArgumentException("sgemm: " + name + " is null but must hold " + rows + "x" + cols);
        }
        long last = (long) off + (long) (rows - 1) * ld + cols;
        if (off < 0 || last > x.length) {
            throw new IllegalArgumentException("sgemm: " + name + " (" + rows + "x" + cols + ", offset " + off
                    + ", ld " + ld + ") needs " + last + " floats but its array has " + x.length);
        }
    }
}
