package io.sparkgrad.tensor;

import io.sparkgrad.kernel.Gemm;

/**
 * Matrix products through {@link Gemm}. Transposed views are handed to GEMM as transposed operands instead of being
 * copied, so {@code x.matmul(w.t())} (Linear) and the backward products cost no copies.
 */
final class MatMul {
    private MatMul() {
    }

    /** A 2-D matrix as GEMM sees it: storage, offset, whether it is stored transposed, and its leading dimension. */
    private record Operand(float[] data, int offset, boolean trans, int ld) {
        static Operand of(Tensor m, int batchOffset) {
            int[] shape = m.shape();
            int[] st = m.strides();
            int r = shape.length - 2;
            int rows = shape[r];
            int cols = shape[r + 1];
            if (st[r + 1] == 1 && (st[r] >= cols || rows == 1)) {
                return new Operand(m.data(), m.storageOffset() + batchOffset, false, Math.max(st[r], Math.max(cols, 1)));
            }
            if (st[r] == 1 && (st[r + 1] >= rows || cols == 1)) {
                return new Operand(m.data(), m.storageOffset() + batchOffset, true, Math.max(st[r + 1], Math.max(rows, 1)));
            }
            return null;
        }
    }

    static Tensor matmul(Tensor a, Tensor b) {
        a.requireFloat("matmul");
        b.requireFloat("matmul");
        if (a.dim() == 2 && b.dim() == 2) {
            return mm(a, b);
        }
        if (a.dim() == 3 && (b.dim() == 3 || b.dim() == 2)) {
            return bmm(a, b);
        }
        throw new IllegalArgumentException("matmul supports 2-D x 2-D and 3-D x 3-D (or 3-D x 2-D) operands, got shapes "
                + Shape.format(a.shape()) + " and " + Shape.format(b.shape()));
    }

    private static Tensor mm(Tensor a, Tensor b) {
        int m = a.size(0);
        int k = a.size(1);
        int n = b.size(1);
        if (b.size(0) != k) {
            throw new IllegalArgumentException("mat1 and mat2 shapes cannot be multiplied (" + Shape.formatX(a.shape()) + " and "
                    + Shape.formatX(b.shape()) + ")");
        }
        CudaBackend cuda = CudaTensors.backend("mm", a, b);
        Tensor result;
        if (cuda != null) {
            result = CudaTensors.matmul(cuda, a, b);
        } else {
            float[] out = new float[m * n];
            gemmInto(a, 0, b, 0, m, n, k, out, 0);
            result = Tensor.of(out, m, n);
        }
        return GradFn.of("mm", a, b).saving(a, b).result(result, g -> new Tensor[] {
                a.requiresGrad() ? g.matmul(b.t()) : null,
                b.requiresGrad() ? a.t().matmul(g) : null});
    }

    private static Tensor bmm(Tensor a, Tensor b) {
        int batch = a.size(0);
        int m = a.size(1);
        int k = a.size(2);
        boolean shared = b.dim() == 2;
        int kb = shared ? b.size(0) : b.size(1);
        int n = shared ? b.size(1) : b.size(2);
        if (kb != k || (!shared && b.size(0) != batch)) {
            throw new IllegalArgumentException("batch1 and batch2 shapes cannot be multiplied (" + Shape.formatX(a.shape()) + " and "
                    + Shape.formatX(b.shape()) + ")");
        }
        CudaBackend cuda = CudaTensors.backend("bmm", a, b);
        Tensor result;
        if (cuda != null) {
            result = CudaIndexing.bmm(cuda, a, b);
        } else {
            Tensor ac = Operand.of(a, 0) == null ? a.contiguous() : a;
            Tensor bc = Operand.of(b, 0) == null ? b.contiguous() : b;
            float[] out = new float[batch * m * n];
            int sa = ac.strides()[0];
            int sb = shared ? 0 : bc.strides()[0];
            for (int i = 0; i < batch; i++) {
                gemmInto(ac, i * sa, bc, i * sb, m, n, k, out, i * m * n);
            }
            result = Tensor.of(out, batch, m, n);
        }
        return GradFn.of("bmm", a, b).saving(a, b).result(result, g -> new Tensor[] {
                a.requiresGrad() ? g.matmul(shared ? b.t() : b.transpose(1, 2)) : null,
                b.requiresGrad() ? (shared ? a.reshape(batch * m, k).t().matmul(g.reshape(batch * m, n))
                        : a.transpose(1, 2).matmul(g)) : null});
    }

    private static void gemmInto(Tensor a, int aBatchOff, Tensor b, int bBatchOff, int m, int n, int k, float[] c, int cOff) {
        Operand oa = Operand.of(a, aBatchOff);
        if (oa == null) {
            a = a.contiguous();
            oa = Operand.of(a, aBatchOff);
        }
        Operand ob = Operand.of(b, bBatchOff);
        if (ob == null) {
            b = b.contiguous();
            ob = Operand.of(b, bBatchOff);
        }
        Gemm.sgemm(oa.trans, ob.trans, m, n, k, 1f, oa.data, oa.offset, oa.ld, ob.data, ob.offset, ob.ld, 0f, c, cOff, n);
    }
}
