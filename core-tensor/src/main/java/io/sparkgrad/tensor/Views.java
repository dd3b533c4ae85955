package io.sparkgrad.tensor;

import java.util.Arrays;

/** Ops that reinterpret storage without copying (and {@link #copy}), each with its backward beside it. */
final class Views {
    private Views() {
    }

    static Tensor view(Tensor x, int[] requested) {
        int[] shape = Shape.infer(requested, x.numel(), x.shape());
        if (!x.isContiguous()) {
            throw new IllegalArgumentException("view size is not compatible with input tensor's size and stride (shape "
                    + Shape.format(x.shape()) + ", strides " + Arrays.toString(x.strides()) + "); use reshape(...) instead");
        }
        Tensor out = x.viewOf(x.storageOffset(), shape, Shape.contiguousStrides(shape));
        if (!GradFn.records(x)) {
            return out;
        }
        int[] inShape = x.shape();
        return GradFn.of("view", x).result(out, g -> new Tensor[] {g.reshape(inShape)});
    }

    static Tensor flatten(Tensor x, int start, int end) {
        int rank = x.dim();
        if (rank == 0) {
            return x.reshape(1);
        }
        int s = Shape.wrapDim(start, rank);
        int e = Shape.wrapDim(end, rank);
        if (s > e) {
            throw new IllegalArgumentException("flatten() has invalid args: start_dim " + start + " cannot come after end_dim " + end);
        }
        int[] in = x.shape();
        int[] out = new int[rank - (e - s)];
        int k = 0;
        for (int i = 0; i < s; i++) {
            out[k++] = in[i];
        }
        int merged = 1;
        for (int i = s; i <= e; i++) {
            merged *= in[i];
        }
        out[k++] = merged;
        for (int i = e + 1; i < rank; i++) {
            out[k++] = in[i];
        }
        return x.reshape(out);
    }

    static Tensor transpose(Tensor x, int d0, int d1) {
        int rank = x.dim();
        int a = Shape.wrapDim(d0, rank);
        int b = Shape.wrapDim(d1, rank);
        int[] perm = new int[rank];
        for (int i = 0; i < rank; i++) {
            perm[i] = i;
        }
        perm[a] = b;
        perm[b] = a;
        return permute(x, perm);
    }

    static Tensor permute(Tensor x, int[] dims) {
        int rank = x.dim();
        if (dims.length != rank) {
            throw new IllegalArgumentException("permute: number of dims " + Arrays.toString(dims) + " does not match the tensor's rank "
                    + rank + " (shape " + Shape.format(x.shape()) + ")");
        }
        int[] shape = x.shape();
        int[] strides = x.strides();
        int[] newShape = new int[rank];
        int[] newStrides = new int[rank];
        int[] inverse = new int[rank];
        boolean[] seen = new boolean[rank];
        for (int i = 0; i < rank; i++) {
            int d = Shape.wrapDim(dims[i], rank);
            if (seen[d]) {
                throw new IllegalArgumentException("permute: repeated dim in " + Arrays.toString(dims));
            }
            seen[d] = true;
            newShape[i] = shape[d];
            newStrides[i] = strides[d];
            inverse[d] = i;
        }
        Tensor out = x.viewOf(x.storageOffset(), newShape, newStrides);
        if (!GradFn.records(x)) {
            return out;
        }
        return GradFn.of("permute", x).result(out, g -> new Tensor[] {g.permute(inverse)});
    }

    static Tensor narrow(Tensor x, int dim, int start, int length) {
        int d = Shape.wrapDim(dim, x.dim());
        int[] shape = x.shape();
        if (start < 0 || length < 0 || start + length > shape[d]) {
            throw new IndexOutOfBoundsException("narrow: start (" + start + ") + length (" + length + ") exceeds dimension size ("
                    + shape[d] + ") of dim " + d + " (shape " + Shape.format(shape) + ")");
        }
        int[] strides = x.strides();
        int inSize = shape[d];
        shape[d] = length;
        Tensor out = x.viewOf(x.storageOffset() + start * strides[d], shape, strides);
        if (!GradFn.records(x)) {
            return out;
        }
        int[] inShape = shape.clone();
        inShape[d] = inSize;
        return GradFn.of("narrow", x).result(out, g -> {
            if (g.storage().device != null) {
                // On the gradient's device: a host tensor here would be a silent copy to the host.
                return new Tensor[] {CudaIndexing.placeInZeros(g, inShape, d, start)};
            }
            Tensor full = Tensor.zeros(inShape);
            full.narrow(d, start, length).copy_(g);
            return new Tensor[] {full};
        });
    }

    static Tensor squeeze(Tensor x, int dim) {
        int d = Shape.wrapDim(dim, x.dim());
        int[] shape = x.shape();
        if (shape[d] != 1) {
            throw new IllegalArgumentException("squeeze: dimension " + d + " has size " + shape[d] + ", not 1 (shape " + Shape.format(shape) + ")");
        }
        int[] strides = x.strides();
        int[] ns = new int[shape.length - 1];
        int[] nt = new int[shape.length - 1];
        for (int i = 0, k = 0; i < shape.length; i++) {
            if (i != d) {
                ns[k] = shape[i];
                nt[k++] = strides[i];
            }
        }
        Tensor out = x.viewOf(x.storageOffset(), ns, nt);
        return GradFn.of("squeeze", x).result(out, g -> new Tensor[] {g.unsqueeze(d)});
    }

    static Tensor unsqueeze(Tensor x, int dim) {
        int d = Shape.wrapDim(dim, x.dim() + 1);
        int[] shape = x.shape();
        int[] strides = x.strides();
        int[] ns = new int[shape.length + 1];
        int[] nt = new int[shape.length + 1];
        for (int i = 0, k = 0; i < ns.length; i++) {
            if (i == d) {
                ns[i] = 1;
                nt[i] = k < shape.length ? strides[k] * shape[k] : 1;
            } else {
                ns[i] = shape[k];
                nt[i] = strides[k++];
            }
        }
        Tensor out = x.viewOf(x.storageOffset(), ns, nt);
        return GradFn.of("unsqueeze", x).result(out, g -> new Tensor[] {g.squeeze(d)});
    }

    static Tensor copy(Tensor x) {
        Tensor out;
        if (x.storage().device != null) {
            out = CudaTensors.contiguous(x);
            return x.dtype() == DType.INT32 ? out : GradFn.of("copy", x).result(out, g -> new Tensor[] {g});
        }
        if (x.dtype() == DType.INT32) {
            return Tensor.ofInts(x.toIntArray(), x.shape());
        }
        out = Tensor.of(x.toFloatArray(), x.shape());
        return GradFn.of("copy", x).result(out, g -> new Tensor[] {g});
    }
}
