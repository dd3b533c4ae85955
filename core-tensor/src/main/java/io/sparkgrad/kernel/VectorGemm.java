package io.sparkgrad.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Pure-Java GEMM on the incubating Vector API, in the Goto/BLIS shape: op(B) is packed into {@code KC x NR}
 * micro-panels (kept in L1 across the rows), op(A), scaled by alpha, into {@code MR x KC} micro-panels (a block of
 * them in L2), and an {@code MR x NR} register-blocked micro-kernel accumulates {@code MR * NR / L} vectors.
 *
 * <p>With 512-bit vectors the tile is 8 x 32 (16 accumulators, 2 B loads and 8 broadcasts per k step); with
 * 256-bit vectors it is 8 x 16. Pack buffers live per thread and are reused. Problems with a short, wide op(B)
 * (n much smaller than m) are solved transposed, {@code C^T = op(B)^T op(A)^T}, so the vector lanes run along the
 * long side. Large problems are split over {@link Parallelism}.
 *
 * <p>Only load this class after checking that the module {@code jdk.incubator.vector} is present.
 */
final class VectorGemm implements SgemmBackend {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    static final int MR = 8;
    static final int NR = 2 * L;
    private static final int KC = 256;
    private static final int MC = 128;
    private static final int NC = 2048;
    /**
     * Below this many multiply-adds (about 25 us of one thread's work) a problem is not worth a second thread: a
     * parallel region costs about 8 us to wake and join (measured).
     */
    private static final long PARALLEL_MIN_FMAS = 1L << 22;

    private static final ThreadLocal<float[][]> PACK =
            ThreadLocal.withInitial(() -> new float[][] {new float[MC * KC], new float[KC * NC], new float[MR * NR]});

    @Override
    public String name() {
        return "java-vector" + S.vectorBitSize();
    }

    @Override
    public int vectorBits() {
        return S.vectorBitSize();
    }

    @Override
    public void product(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
            float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        // With beta == 0 the first k-block stores its products instead of adding them: no zeroing pass over C.
        boolean overwrite = beta == 0f;
        if (!overwrite) {
            Gemm.scaleC(m, n, beta, c, cOff, ldc);
        }
        long fmas = (long) m * n * k;
        int threads = Parallelism.chunks(Math.max(m, n), 1);
        if (threads > 1 && fmas >= PARALLEL_MIN_FMAS) {
            parallel(threads, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, overwrite);
        } else {
            serial(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, overwrite);
        }
    }

    /** Splits C into column blocks (or row blocks when it is tall and narrow), one per thread. */
    private static void parallel(int threads, boolean transA, boolean transB, int m, int n, int k, float alpha,
            float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc,
            boolean overwrite) {
        if (n >= m) {
            int panels = (n + NR - 1) / NR;
            Parallelism.parallelFor(panels, 1, (chunk, p0, p1) -> {
                int j0 = p0 * NR;
                int j1 = Math.min(n, p1 * NR);
                int bo = transB ? bOff + j0 * ldb : bOff + j0;
                serial(transA, transB, m, j1 - j0, k, alpha, a, aOff, lda, b, bo, ldb, c, cOff + j0, ldc,
                        overwrite);
            });
        } else {
            int panels = (m + MR - 1) / MR;
            Parallelism.parallelFor(panels, 1, (chunk, p0, p1) -> {
                int i0 = p0 * MR;
                int i1 = Math.min(m, p1 * MR);
                int ao = transA ? aOff + i0 : aOff + i0 * lda;
                serial(transA, transB, i1 - i0, n, k, alpha, a, ao, lda, b, bOff, ldb, c, cOff + i0 * ldc, ldc,
                        overwrite);
            });
        }
    }

    /**
     * C += alpha op(A) op(B) (C = ... when {@code overwrite}) on the calling thread. A short wide result is computed
     * as its transpose so that the
     * NR-wide vector side of the tile runs along the long dimension.
     */
    static void serial(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff,
            int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean overwrite) {
        if (!transA && transB && n <= L && k >= 2 * L) {
            // A few long dot products (x * W^T of a narrow Linear): both operands are contiguous along k, so no
            // packing at all; packing x transposed cost more than the multiply-adds (measured 30 vs 60+ GFLOP/s).
            dots(m, n, k, alpha, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, overwrite);
            return;
        }
        if (n < NR && m > n) {
            // C^T (n x m) = op(B)^T (n x k) * op(A)^T (k x m); op(B)^T is B read with the opposite transpose flag.
            blocked(!transB, !transA, n, m, k, alpha, b, bOff, ldb, a, aOff, lda, c, cOff, ldc, true, overwrite);
        } else {
            blocked(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, false, overwrite);
        }
    }

    /**
     * {@code C[i][j] += alpha * dot(A[i, 0..k), B[j, 0..k))}, 4 rows by 2 columns of C at a time with the 8 dot
     * products accumulated in vectors along k.
     */
    private static void dots(int m, int n, int k, float alpha, float[] a, int aOff, int lda, float[] b, int bOff,
            int ldb, float[] c, int cOff, int ldc, boolean overwrite) {
        int kv = S.loopBound(k);
        float[] lanes = Scratch.floats(Scratch.LANE_TOTAL, L);
        int i = 0;
        for (; i + 3 < m; i += 4) {
            int a0 = aOff + i * lda;
            int a1 = a0 + lda;
            int a2 = a1 + lda;
            int a3 = a2 + lda;
            int j = 0;
            for (; j + 1 < n; j += 2) {
                int b0 = bOff + j * ldb;
                int b1 = b0 + ldb;
                FloatVector s00 = FloatVector.zero(S);
                FloatVector s01 = FloatVector.zero(S);
                FloatVector s10 = FloatVector.zero(S);
                FloatVector s11 = FloatVector.zero(S);
                FloatVector s20 = FloatVector.zero(S);
                FloatVector s21 = FloatVector.zero(S);
                FloatVector s30 = FloatVector.zero(S);
                FloatVector s31 = FloatVector.zero(S);
                for (int p = 0; p < kv; p += L) {
                    FloatVector w0 = FloatVector.fromArray(S, b, b0 + p);
                    FloatVector w1 = FloatVector.fromArray(S, b, b1 + p);
                    FloatVector x0 = FloatVector.fromArray(S, a, a0 + p);
                    FloatVector x1 = FloatVector.fromArray(S, a, a1 + p);
                    FloatVector x2 = FloatVector.fromArray(S, a, a2 + p);
                    FloatVector x3 = FloatVector.fromArray(S, a, a3 + p);
                    s00 = x0.fma(w0, s00);
                    s01 = x0.fma(w1, s01);
                    s10 = x1.fma(w0, s10);
                    s11 = x1.fma(w1, s11);
                    s20 = x2.fma(w0, s20);
                    s21 = x2.fma(w1, s21);
                    s30 = x3.fma(w0, s30);
                    s31 = x3.fma(w1, s31);
                }
                float t00 = LaneSum.of(s00, lanes);
                float t01 = LaneSum.of(s01, lanes);
                float t10 = LaneSum.of(s10, lanes);
                float t11 = LaneSum.of(s11, lanes);
                float t20 = LaneSum.of(s20, lanes);
                float t21 = LaneSum.of(s21, lanes);
                float t30 = LaneSum.of(s30, lanes);
                float t31 = LaneSum.of(s31, lanes);
                for (int p = kv; p < k; p++) {
                    float w0 = b[b0 + p];
                    float w1 = b[b1 + p];
                    t00 += a[a0 + p] * w0;
                    t01 += a[a0 + p] * w1;
                    t10 += a[a1 + p] * w0;
                    t11 += a[a1 + p] * w1;
                    t20 += a[a2 + p] * w0;
                    t21 += a[a2 + p] * w1;
                    t30 += a[a3 + p] * w0;
                    t31 += a[a3 + p] * w1;
                }
                int ci = cOff + i * ldc + j;
                c[ci] = overwrite ? alpha * t00 : c[ci] + alpha * t00;
                c[ci + 1] = overwrite ? alpha * t01 : c[ci + 1] + alpha * t01;
                c[ci + ldc] = overwrite ? alpha * t10 : c[ci + ldc] + alpha * t10;
                c[ci + ldc + 1] = overwrite ? alpha * t11 : c[ci + ldc + 1] + alpha * t11;
                c[ci + 2 * ldc] = overwrite ? alpha * t20 : c[ci + 2 * ldc] + alpha * t20;
                c[ci + 2 * ldc + 1] = overwrite ? alpha * t21 : c[ci + 2 * ldc + 1] + alpha * t21;
                c[ci + 3 * ldc] = overwrite ? alpha * t30 : c[ci + 3 * ldc] + alpha * t30;
                c[ci + 3 * ldc + 1] = overwrite ? alpha * t31 : c[ci + 3 * ldc + 1] + alpha * t31;
            }
            for (; j < n; j++) {
                for (int r = 0; r < 4; r++) {
                    int ci = cOff + (i + r) * ldc + j;
                    float v = alpha * dot(a, aOff + (i + r) * lda, b, bOff + j * ldb, k, kv, lanes);
                    c[ci] = overwrite ? v : c[ci] + v;
                }
            }
        }
        for (; i < m; i++) {
            for (int j = 0; j < n; j++) {
                int ci = cOff + i * ldc + j;
                float v = alpha * dot(a, aOff + i * lda, b, bOff + j * ldb, k, kv, lanes);
                c[ci] = overwrite ? v : c[ci] + v;
            }
        }
    }

    private static float dot(float[] a, int ao, float[] b, int bo, int k, int kv, float[] lanes) {
        FloatVector acc = FloatVector.zero(S);
        for (int p = 0; p < kv; p += L) {
            acc = FloatVector.fromArray(S, a, ao + p).fma(FloatVector.fromArray(S, b, bo + p), acc);
        }
        float t = LaneSum.of(acc, lanes);
        for (int p = kv; p < k; p++) {
            t += a[ao + p] * b[bo + p];
        }
        return t;
    }

    /**
     * The blocked loop nest. When {@code transC} is set the product computed is the transpose of the C stored:
     * element (i, j) of the product goes to {@code c[cOff + j * ldc + i]}.
     */
    private static void blocked(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a,
            int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean transC,
            boolean overwrite) {
        float[][] pack = PACK.get();
        float[] ap = pack[0];
        float[] bp = pack[1];
        float[] tile = pack[2];
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                boolean store = overwrite && pc == 0;
                packB(transB, kc, nc, b, bOff, ldb, pc, jc, bp);
                for (int ic = 0; ic < m; ic += MC) {
                    int mc = Math.min(MC, m - ic);
                    packA(transA, mc, kc, alpha, a, aOff, lda, ic, pc, ap);
                    for (int jr = 0; jr < nc; jr += NR) {
                        int nr = Math.min(NR, nc - jr);
                        int bpOff = (jr / NR) * NR * kc;
                        for (int ir = 0; ir < mc; ir += MR) {
                            int mr = Math.min(MR, mc - ir);
                            int apOff = (ir / MR) * MR * kc;
                            int i = ic + ir;
                            int j = jc + jr;
                            if (!transC && mr == MR && nr == NR) {
                                kernel(kc, ap, apOff, bp, bpOff, c, cOff + i * ldc + j, ldc, store);
                            } else {
                                kernel(kc, ap, apOff, bp, bpOff, tile, 0, NR, true);
                                addTile(tile, mr, nr, c, cOff, ldc, i, j, transC, store);
                            }
                        }
                    }
                }
            }
        }
    }

    /** Adds (or with {@code store}, writes) the valid {@code mr x nr} corner of a tile into C. */
    private static void addTile(float[] tile, int mr, int nr, float[] c, int cOff, int ldc, int i, int j,
            boolean transC, boolean store) {
        for (int r = 0; r < mr; r++) {
            for (int q = 0; q < nr; q++) {
                int ci = transC ? cOff + (j + q) * ldc + i + r : cOff + (i + r) * ldc + j + q;
                float v = tile[r * NR + q];
                c[ci] = store ? v : c[ci] + v;
            }
        }
    }

    /** Packs rows [ic, ic+mc) and columns [pc, pc+kc) of op(A), times alpha, into MR-row micro-panels. */
    private static void packA(boolean transA, int mc, int kc, float alpha, float[] a, int aOff, int lda, int ic,
            int pc, float[] ap) {
        for (int ir = 0; ir < mc; ir += MR) {
            int base = (ir / MR) * MR * kc;
            int mr = Math.min(MR, mc - ir);
            if (transA) {
                // op(A)(i, p) = a[p * lda + i]: rows of A are contiguous along i.
                for (int p = 0; p < kc; p++) {
                    int src = aOff + (pc + p) * lda + ic + ir;
                    int dst = base + p * MR;
                    for (int r = 0; r < mr; r++) {
                        ap[dst + r] = alpha * a[src + r];
                    }
                    for (int r = mr; r < MR; r++) {
                        ap[dst + r] = 0f;
                    }
                }
            } else {
                for (int r = 0; r < mr; r++) {
                    int src = aOff + (ic + ir + r) * lda + pc;
                    for (int p = 0; p < kc; p++) {
                        ap[base + p * MR + r] = alpha * a[src + p];
                    }
                }
                for (int r = mr; r < MR; r++) {
                    for (int p = 0; p < kc; p++) {
                        ap[base + p * MR + r] = 0f;
                    }
                }
            }
        }
    }

    /** Packs rows [pc, pc+kc) and columns [jc, jc+nc) of op(B) into NR-column micro-panels, zero-padded. */
    private static void packB(boolean transB, int kc, int nc, float[] b, int bOff, int ldb, int pc, int jc,
            float[] bp) {
        for (int jr = 0; jr < nc; jr += NR) {
            int base = (jr / NR) * NR * kc;
            int nr = Math.min(NR, nc - jr);
            if (transB) {
                // op(B)(p, j) = b[j * ldb + p]
                for (int q = 0; q < nr; q++) {
                    int src = bOff + (jc + jr + q) * ldb + pc;
                    for (int p = 0; p < kc; p++) {
                        bp[base + p * NR + q] = b[src + p];
                    }
                }
                if (nr < NR) {
                    for (int p = 0; p < kc; p++) {
                        java.util.Arrays.fill(bp, base + p * NR + nr, base + p * NR + NR, 0f);
                    }
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    int src = bOff + (pc + p) * ldb + jc + jr;
                    int dst = base + p * NR;
                    System.arraycopy(b, src, bp, dst, nr);
                    if (nr < NR) {
                        java.util.Arrays.fill(bp, dst + nr, dst + NR, 0f);
                    }
                }
            }
        }
    }

    /**
     * C[0..MR, 0..NR) += Ap * Bp over kc steps (= when {@code store}); C rows are ldc apart. Fully unrolled to
     * stay in registers, and the stores are written out here on purpose: handing the accumulators to a helper
     * method made C2 box them and ran ten times slower (measured: 15 vs 200 GFLOP/s).
     */
    static void kernel(int kc, float[] ap, int apOff, float[] bp, int bpOff, float[] c, int cOff, int ldc,
            boolean store) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        int pa = apOff;
        int pb = bpOff;
        for (int p = 0; p < kc; p++, pa += MR, pb += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, pb);
            FloatVector b1 = FloatVector.fromArray(S, bp, pb + L);
            FloatVector a0 = FloatVector.broadcast(S, ap[pa]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, ap[pa + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, ap[pa + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, ap[pa + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, ap[pa + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, ap[pa + 5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(S, ap[pa + 6]);
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(S, ap[pa + 7]);
            c70 = a7.fma(b0, c70);
            c71 = a7.fma(b1, c71);
        }
        if (store) {
            c00.intoArray(c, cOff);
            c01.intoArray(c, cOff + L);
            c10.intoArray(c, cOff + ldc);
            c11.intoArray(c, cOff + ldc + L);
            c20.intoArray(c, cOff + 2 * ldc);
            c21.intoArray(c, cOff + 2 * ldc + L);
            c30.intoArray(c, cOff + 3 * ldc);
            c31.intoArray(c, cOff + 3 * ldc + L);
            c40.intoArray(c, cOff + 4 * ldc);
            c41.intoArray(c, cOff + 4 * ldc + L);
            c50.intoArray(c, cOff + 5 * ldc);
            c51.intoArray(c, cOff + 5 * ldc + L);
            c60.intoArray(c, cOff + 6 * ldc);
            c61.intoArray(c, cOff + 6 * ldc + L);
            c70.intoArray(c, cOff + 7 * ldc);
            c71.intoArray(c, cOff + 7 * ldc + L);
        } else {
            c00.add(FloatVector.fromArray(S, c, cOff)).intoArray(c, cOff);
            c01.add(FloatVector.fromArray(S, c, cOff + L)).intoArray(c, cOff + L);
            c10.add(FloatVector.fromArray(S, c, cOff + ldc)).intoArray(c, cOff + ldc);
            c11.add(FloatVector.fromArray(S, c, cOff + ldc + L)).intoArray(c, cOff + ldc + L);
            c20.add(FloatVector.fromArray(S, c, cOff + 2 * ldc)).intoArray(c, cOff + 2 * ldc);
            c21.add(FloatVector.fromArray(S, c, cOff + 2 * ldc + L)).intoArray(c, cOff + 2 * ldc + L);
            c30.add(FloatVector.fromArray(S, c, cOff + 3 * ldc)).intoArray(c, cOff + 3 * ldc);
            c31.add(FloatVector.fromArray(S, c, cOff + 3 * ldc + L)).intoArray(c, cOff + 3 * ldc + L);
            c40.add(FloatVector.fromArray(S, c, cOff + 4 * ldc)).intoArray(c, cOff + 4 * ldc);
            c41.add(FloatVector.fromArray(S, c, cOff + 4 * ldc + L)).intoArray(c, cOff + 4 * ldc + L);
            c50.add(FloatVector.fromArray(S, c, cOff + 5 * ldc)).intoArray(c, cOff + 5 * ldc);
            c51.add(FloatVector.fromArray(S, c, cOff + 5 * ldc + L)).intoArray(c, cOff + 5 * ldc + L);
            c60.add(FloatVector.fromArray(S, c, cOff + 6 * ldc)).intoArray(c, cOff + 6 * ldc);
            c61.add(FloatVector.fromArray(S, c, cOff + 6 * ldc + L)).intoArray(c, cOff + 6 * ldc + L);
            c70.add(FloatVector.fromArray(S, c, cOff + 7 * ldc)).intoArray(c, cOff + 7 * ldc);
            c71.add(FloatVector.fromArray(S, c, cOff + 7 * ldc + L)).intoArray(c, cOff + 7 * ldc + L);
        }
    }
}
