package io.sparkgrad.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * GEMM through OpenBLAS's {@code cblas_sgemm} from {@code org.bytedeco:openblas} (the {@code openblas_nolapack}
 * binding, which loads the smaller JNI library).
 *
 * <p>Why operands go through direct buffers: JavaCPP passes a {@code float[]} with JNI's
 * {@code Get/ReleaseFloatArrayElements}, which copies the whole Java array in and out on every call no matter how
 * small the sub-matrix; measured here that is about 1.5 ms for three 64k-float arrays and 33 ms for three
 * 1M-float arrays, even for a 2x2x2 product. Instead each thread keeps three native-order direct buffers, the
 * operands' sub-matrices are bulk-copied into them (a memcpy), and C is copied back.
 *
 * <p>The native library is probed once ({@link #load()}); a missing or broken native never throws out of the
 * probe, it only makes the backend unavailable.
 */
final class OpenBlasGemm implements SgemmBackend {

    private static volatile boolean loaded;
    private static volatile String loadError;

    private static final ThreadLocal<FloatBuffer[]> BUFFERS = ThreadLocal.withInitial(() -> new FloatBuffer[3]);

    private OpenBlasGemm() {
    }

    /**
     * Loads the native library once; returns the backend, or null when it cannot load (the reason is kept in
     * {@link #loadError()}).
     */
    static synchronized OpenBlasGemm load() {
        if (loaded) {
            return new OpenBlasGemm();
        }
        if (loadError != null) {
            return null;
        }
        try {
            org.bytedeco.javacpp.Loader.load(org.bytedeco.openblas.global.openblas_nolapack.class);
            loaded = true;
            setThreads(Parallelism.numThreads());
            // A 1x1x1 product proves the symbol resolves and runs, before anything relies on it.
            OpenBlasGemm probe = new OpenBlasGemm();
            float[] c = {0f};
            probe.sgemm(false, false, 1, 1, 1, 1f, new float[] {2f}, 0, 1, new float[] {3f}, 0, 1, 0f, c, 0, 1);
            if (c[0] != 6f) {
                loaded = false;
                loadError = "cblas_sgemm probe returned " + c[0] + " for 2*3";
                return null;
            }
            return probe;
        } catch (Throwable t) {
            // UnsatisfiedLinkError, NoClassDefFoundError, ExceptionInInitializerError...: any means "not usable".
            loaded = false;
            loadError = t.toString();
            return null;
        }
    }

    /** Why the last {@link #load()} failed, or null. */
    static String loadError() {
        return loadError;
    }

    /** Keeps OpenBLAS's own thread pool at the intra-op thread count; does nothing until the library is loaded. */
    static void syncThreads(int threads) {
        if (loaded) {
            setThreads(threads);
        }
    }

    private static void setThreads(int threads) {
        org.bytedeco.openblas.global.openblas_nolapack.blas_set_num_threads(threads);
    }

    @Override
    public String name() {
        return "openblas";
    }

    @Override
    public void product(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
            float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        FloatBuffer[] bufs = BUFFERS.get();
        int aRows = transA ? k : m;
        int aCols = transA ? m : k;
        int bRows = transB ? n : k;
        int bCols = transB ? k : n;
        FloatBuffer fa = buffer(bufs, 0, aRows * aCols);
        FloatBuffer fb = buffer(bufs, 1, bRows * bCols);
        FloatBuffer fc = buffer(bufs, 2, m * n);
        copyIn(a, aOff, lda, aRows, aCols, fa);
        copyIn(b, bOff, ldb, bRows, bCols, fb);
        if (beta != 0f) {
            copyIn(c, cOff, ldc, m, n, fc);
        }
        org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm(
                org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor,
                transA ? org.bytedeco.openblas.global.openblas_nolapack.CblasTrans
                        : org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans,
                transB ? org.bytedeco.openblas.global.openblas_nolapack.CblasTrans
                        : org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans,
                m, n, k, alpha, fa, aCols, fb, bCols, beta, fc, n);
        copyOut(fc, m, n, c, cOff, ldc);
    }

    private static FloatBuffer buffer(FloatBuffer[] bufs, int which, int floats) {
        FloatBuffer buf = bufs[which];
        if (buf == null || buf.capacity() < floats) {
            int cap = Math.max(floats, buf == null ? 4096 : Math.min(Integer.MAX_VALUE / 8, buf.capacity() * 2));
            buf = ByteBuffer.allocateDirect(cap * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
            bufs[which] = buf;
        }
        buf.clear();
        return buf;
    }

    private static void copyIn(float[] src, int off, int ld, int rows, int cols, FloatBuffer dst) {
        if (ld == cols) {
            dst.put(0, src, off, rows * cols);
        } else {
            for (int r = 0; r < rows; r++) {
                dst.put(r * cols, src, off + r * ld, cols);
            }
        }
    }

    private static void copyOut(FloatBuffer src, int rows, int cols, float[] dst, int off, int ld) {
        if (ld == cols) {
            src.get(0, dst, off, rows * cols);
        } else {
            for (int r = 0; r < rows; r++) {
                src.get(r * cols, dst, off + r * ld, cols);
            }
        }
    }
}
