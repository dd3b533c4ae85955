package io.sparkgrad.tensor;

import java.util.Arrays;
import java.util.List;

/** Ops that pick or combine elements by index: gather, indexSelect, cat, stack, eq. */
final class Indexing {
    private Indexing() {
    }

    /**
     * {@code out[..., j, ...] = x[..., index[..., j, ...], ...]} along {@code dim}; index has x's rank and, outside
     * {@code dim}, sizes no larger than x's. {@code x.gather(1, target.unsqueeze(1))} is {@code x[range(n), target]}.
     */
    static Tensor gather(Tensor x, int dim, Tensor index) {
        CudaBackend cuda = CudaTensors.backend("gather", x, index);
        x.requireFloat("gather");
        index.requireInt("gather index");
        int rank = x.dim();
        int d = Shape.wrapDim(dim, rank);
        int[] xs = x.shape();
        int[] is = index.shape();
        if (is.length != rank) {
            throw new IllegalArgumentException("gather: index of shape " + Shape.format(is) + " must have the same rank as input of shape "
                    + Shape.format(xs));
        }
        for (int i = 0; i < rank; i++) {
            if (i != d && is[i] > xs[i]) {
                throw new IllegalArgumentException("gather: index of shape " + Shape.format(is) + " is larger than input of shape "
                        + Shape.format(xs) + " at dimension " + i);
            }
        }
        if (cuda != null) {
            // An index out of range gives NaN on the device (it does not stop to check), as nll_loss's target.
            return GradFn.of("gather", x).result(CudaIndexing.gather(cuda, x, d, index),
                    g -> new Tensor[] {CudaIndexing.gatherBackward(g, index, d, xs)});
        }
        Tensor xc = x.contiguous();
        int[] xStrides = xc.strides();
        float[] xd = xc.data();
        int[] idx = index.toIntArray();
        int[] positions = new int[idx.length];
        int[] counter = new int[rank];
        for (int o = 0; o < idx.length; o++) {
            int k = idx[o];
            if (k < 0 || k >= xs[d]) {
                throw new IndexOutOfBoundsException("gather: index " + k + " is out of bounds for dimension " + d + " with size " + xs[d]);
            }
            int p = xc.storageOffset();
            for (int i = 0; i < rank; i++) {
                p += (i == d ? k : counter[i]) * xStrides[i];
            }
            positions[o] = p - xc.storageOffset();
            for (int i = rank - 1; i >= 0; i--) {
                if (++counter[i] < is[i]) {
                    break;
                }
                counter[i] = 0;
            }
        }
        float[] out = new float[idx.length];
        int off = xc.storageOffset();
        for (int o = 0; o < out.length; o++) {
            out[o] = xd[off + positions[o]];
        }
        Tensor result = Tensor.of(out, is);
        return GradFn.of("gather", x).result(result, g -> {
            float[] gd = Elementwise.contiguousData(g);
            float[] gx = new float[Shape.numel(xs)];
            for (int o = 0; o < gd.length; o++) {
                gx[positions[o]] += gd[o];
            }
            return new Tensor[] {Tensor.of(gx, xs)};
        });
    }

    /** Rows (dim 0) at the given positions, copied. */
    static Tensor indexSelect(Tensor x, int[] rows) {
        CudaBackend cuda = CudaTensors.backend("index_select", x);
        int[] xs = x.shape();
        if (xs.length == 0) {
            throw new IllegalArgumentException("indexSelect needs at least one dimension");
        }
        int per = xs[0] == 0 ? 0 : x.numel() / xs[0];
        int[] os = xs.clone();
        os[0] = rows.length;
        for (int r : rows) {
            if (r < 0 || r >= xs[0]) {
                throw new IndexOutOfBoundsException("indexSelect: index " + r + " is out of bounds for dimension 0 with size " + xs[0]);
            }
        }
        if (cuda != null) {
            Tensor onDevice = CudaIndexing.rowsOnDevice(x, rows);
            Tensor out = CudaIndexing.indexSelect(cuda, x, onDevice);
            if (x.dtype() == DType.INT32) {
                GradBuffers.current().free(onDevice.storage());
                return out;
            }
            out = GradFn.of("index_select", x).result(out, g -> new Tensor[] {CudaIndexing.indexSelectBackward(g, onDevice, xs)});
            if (out.gradFn() == null) {
                GradBuffers.current().free(onDevice.storage());
            }
            return out;
        }
        if (x.dtype() == DType.INT32) {
            int[] src = x.contiguous().toIntArray();
            int[] out = new int[rows.length * per];
            for (int i = 0; i < rows.length; i++) {
                System.arraycopy(src, rows[i] * per, out, i * per, per);
            }
            return Tensor.ofInts(out, os);
        }
        Tensor xc = x.contiguous();
        float[] src = xc.data();
        int off = xc.storageOffset();
        float[] out = new float[rows.length * per];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(src, off + rows[i] * per, out, i * per, per);
        }
        Tensor result = Tensor.of(out, os);
        return GradFn.of("index_select", x).result(result, g -> {
            float[] gd = Elementwise.contiguousData(g);
            float[] gx = new float[x.numel()];
            for (int i = 0; i < rows.length; i++) {
                int base = rows[i] * per;
                for (int j = 0; j < per; j++) {
                    gx[base + j] += gd[i * per + j];
                }
            }
            return new Tensor[] {Tensor.of(gx, xs)};
        });
    }

    static Tensor cat(List<Tensor> tensors, int dim) {
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("cat expects a non-empty list of tensors");
        }
        Tensor first = tensors.get(0);
        int rank = first.dim();
        int d = Shape.wrapDim(dim, rank);
        int[] shape = first.shape();
        int total = 0;
        for (Tensor t : tensors) {
            t.requireFloat("cat");
            int[] s = t.shape();
            if (s.length != rank) {
                throw new IllegalArgumentException("cat: tensors must have the same rank, got " + Shape.format(shape) + " and " + Shape.format(s));
            }
            for (int i = 0; i < rank; i++) {
                if (i != d && s[i] != shape[i]) {
                    throw new IllegalArgumentException("cat: sizes of tensors must match except in dimension " + d + ", got "
                            + Shape.format(shape) + " and " + Shape.format(s));
                }
            }
            total += s[d];
        }
        int[] outShape = shape.clone();
        outShape[d] = total;
        Tensor[] inputs = tensors.toArray(new Tensor[0]);
        CudaBackend cuda = CudaTensors.backend("cat", inputs);
        Tensor out = cuda != null ? CudaIndexing.cat(cuda, tensors, d, outShape) : Tensor.zeros(outShape);
        int at = 0;
        int[] starts = new int[tensors.size()];
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            starts[i] = at;
            if (cuda == null) {
                try (var ignored = Tensor.noGrad()) {
                    out.narrow(d, at, t.size(d)).copy_(t);
                }
            }
            at += t.size(d);
        }
        return GradFn.of("cat", inputs).result(out, g -> {
            Tensor[] grads = new Tensor[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                grads[i] = g.narrow(d, starts[i], inputs[i].size(d)).contiguous();
            }
            return grads;
        });
    }

    static Tensor stack(List<Tensor> tensors, int dim) {
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("stack expects a non-empty list of tensors");
        }
        int[] shape = tensors.get(0).shape();
        int d = Shape.wrapDim(dim, shape.length + 1);
        for (Tensor t : tensors) {
            if (!Arrays.equals(t.shape(), shape)) {
                throw new IllegalArgumentException("stack expects each tensor to be equal size, but got " + Shape.format(shape) + " and "
                        + Shape.format(t.shape()));
            }
        }
        return cat(tensors.stream().map(t -> t.unsqueeze(d)).toList(), d);
    }

    static Tensor eq(Tensor a, Tensor b) {
        if (!a.sameShape(b)) {
            throw new IllegalArgumentException("eq: shapes " + Shape.format(a.shape()) + " and " + Shape.format(b.shape()) + " differ");
        }
        CudaBackend cuda = CudaTensors.backend("eq", a, b);
        if (cuda != null) {
            if (a.dtype() != DType.INT32 || b.dtype() != DType.INT32) {
                CudaTensors.requireCpu("eq of FLOAT32 tensors", a);
            }
            return CudaTensors.equal(cuda, a, b);
        }
        float[] out = new float[a.numel()];
        if (a.dtype() == DType.INT32 && b.dtype() == DType.INT32) {
            int[] x = a.toIntArray();
            int[] y = b.toIntArray();
            for (int i = 0; i < out.length; i++) {
                out[i] = x[i] == y[i] ? 1f : 0f;
            }
        } else {
            float[] x = a.toFloatArray();
            float[] y = b.toFloatArray();
            for (int i = 0; i < out.length; i++) {
                out[i] = x[i] == y[i] ? 1f : 0f;
            }
        }
        return Tensor.of(out, a.shape());
    }
}
