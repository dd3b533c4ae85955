package io.sparkgrad.tensor;

import io.sparkgrad.cuda.CudaOps;
import io.sparkgrad.cuda.DeviceArray;
import java.util.List;

/**
 * The device side of the ops that pick, place or batch elements (max over a dimension, gather, index_select, cat,
 * batched matmul) and of {@code pow}: forward and backward computations through {@link CudaOps}, each taking and
 * returning tensors without recording a graph (the op that calls it records one, next to its CPU code), giving its own
 * temporaries back at once. Strided inputs are made contiguous first.
 */
final class CudaIndexing {
    private CudaIndexing() {
    }

    /** {@code x ^ p} elementwise. */
    static Tensor pow(CudaBackend b, Tensor x, float p) {
        Tensor xs = CudaTensors.dense(x);
        Tensor out = b.wrap(b.ops().pow(CudaTensors.array(xs), p), x.shape(), DType.FLOAT32);
        CudaTensors.discard(xs, x);
        return out;
    }

    /** The maxima over dimension {@code dim}, shaped {@code outShape}, and their INT32 indices (same shape). */
    static Tensor[] max(CudaBackend b, Tensor x, int dim, int[] outShape) {
        Tensor xs = CudaTensors.dense(x);
        CudaOps.MaxDim m = b.ops().maxDim(CudaTensors.array(xs), dim, outShape);
        CudaTensors.discard(xs, x);
        return new Tensor[] {b.wrap(m.values(), outShape, DType.FLOAT32), b.wrap(m.indices(), outShape, DType.INT32)};
    }

    /** The gradient of {@link #max}: {@code g} at each maximum's place, 0 elsewhere. */
    static Tensor maxBackward(Tensor g, Tensor indices, int[] xShape, int dim) {
        CudaBackend b = CudaTensors.backend("max backward", g, indices);
        Tensor gs = CudaTensors.dense(g);
        Tensor gx = b.wrap(b.ops().maxDimBackward(CudaTensors.array(gs), CudaTensors.array(indices), xShape, dim), xShape,
                DType.FLOAT32);
        CudaTensors.discard(gs, g);
        return gx;
    }

    /** {@code x.gather(dim, index)} ({@code dim} wrapped). */
    static Tensor gather(CudaBackend b, Tensor x, int dim, Tensor index) {
        Tensor xs = CudaTensors.dense(x);
        Tensor is = CudaTensors.dense(index);
        Tensor out = b.wrap(b.ops().gather(CudaTensors.array(xs), dim, CudaTensors.array(is)), index.shape(), DType.FLOAT32);
        CudaTensors.discard(xs, x);
        CudaTensors.discard(is, index);
        return out;
    }

    /** The gradient of {@link #gather} for an input of {@code xShape}. */
    static Tensor gatherBackward(Tensor g, Tensor index, int dim, int[] xShape) {
        CudaBackend b = CudaTensors.backend("gather backward", g, index);
        Tensor gs = CudaTensors.dense(g);
        Tensor is = CudaTensors.dense(index);
        Tensor gx = b.wrap(b.ops().gatherBackward(CudaTensors.array(gs), CudaTensors.array(is), dim, xShape), xShape, DType.FLOAT32);
        CudaTensors.discard(gs, g);
        CudaTensors.discard(is, index);
        return gx;
    }

    /** The positions of {@code index_select}'s rows as an INT32 tensor on {@code x}'s device (copied in once). */
    static Tensor rowsOnDevice(Tensor x, int[] rows) {
        return CudaTensors.toDevice(Tensor.ofInts(rows, rows.length), x.device());
    }

    /** {@code x}'s dim-0 entries at {@code rows} (an INT32 device tensor), FLOAT32 or INT32 as {@code x}. */
    static Tensor indexSelect(CudaBackend b, Tensor x, Tensor rows) {
        Tensor xs = CudaTensors.dense(x);
        Tensor out = b.wrap(b.ops().indexRows(CudaTensors.array(xs), CudaTensors.array(rows)), x.dtype());
        CudaTensors.discard(xs, x);
        return out;
    }

    /** The gradient of {@link #indexSelect} for an input of {@code xShape}. */
    static Tensor indexSelectBackward(Tensor g, Tensor rows, int[] xShape) {
        CudaBackend b = CudaTensors.backend("index_select backward", g, rows);
        Tensor gs = CudaTensors.dense(g);
        Tensor gx = b.wrap(b.ops().indexRowsBackward(CudaTensors.array(gs), CudaTensors.array(rows), xShape), xShape, DType.FLOAT32);
        CudaTensors.discard(gs, g);
        return gx;
    }

    /** The tensors (checked by the caller) concatenated along {@code dim} into a new tensor of {@code outShape}. */
    static Tensor cat(CudaBackend b, List<Tensor> tensors, int dim, int[] outShape) {
        DeviceArray out = b.ops().empty(outShape);
        int at = 0;
        for (Tensor t : tensors) {
            Tensor ts = CudaTensors.dense(t);
            b.ops().place(CudaTensors.array(ts), out, dim, at);
            CudaTensors.discard(ts, t);
            at += t.size(dim);
        }
        return b.wrap(out, outShape, DType.FLOAT32);
    }

    /** {@code g} placed at {@code at} of dimension {@code dim} in zeros of {@code shape}: the gradient of a narrow. */
    static Tensor placeInZeros(Tensor g, int[] shape, int dim, int at) {
        CudaBackend b = CudaTensors.backend("narrow backward", g);
        Tensor full = CudaTensors.full(b, 0f, shape);
        Tensor gs = CudaTensors.dense(g);
        b.ops().place(CudaTensors.array(gs), CudaTensors.array(full), dim, at);
        CudaTensors.discard(gs, g);
        return full;
    }

    /** {@code a @ b} for a {@code [B, M, K]} and b {@code [B, K, N]} or {@code [K, N]}. */
    static Tensor bmm(CudaBackend b, Tensor x, Tensor y) {
        Tensor xs = CudaTensors.dense(x);
        Tensor ys = CudaTensors.dense(y);
        Tensor out = b.wrap(b.ops().bmm(CudaTensors.array(xs), CudaTensors.array(ys)), DType.FLOAT32);
        CudaTensors.discard(xs, x);
        CudaTensors.discard(ys, y);
        return out;
    }
}
