package io.sparkgrad.tensor;

import java.util.Arrays;

/**
 * Reductions over one dimension, viewing a contiguous tensor as {@code [outer, n, inner]}; each forward is next to its
 * backward rule.
 */
final class Reductions {
    private Reductions() {
    }

    static Tensor sumAll(Tensor x) {
        x.requireFloat("sum");
        CudaBackend cuda = CudaTensors.backend("sum", x);
        if (cuda != null) {
            int[] shape = x.shape();
            int[] ones = new int[shape.length];
            Arrays.fill(ones, 1);
            return GradFn.of("sum", x).result(CudaTensors.sumAll(cuda, x), g -> new Tensor[] {expand(g.reshape(ones), shape)});
        }
        float[] d = Elementwise.contiguousData(x);
        double s = 0;
        for (float v : d) {
            s += v;
        }
        int[] shape = x.shape();
        Tensor out = Tensor.scalar((float) s);
        return GradFn.of("sum", x).result(out, g -> new Tensor[] {Tensor.full(g.item(), shape)});
    }

    static Tensor sum(Tensor x, int dim, boolean keepdim) {
        x.requireFloat("sum");
        int[] shape = x.shape();
        Shape.Split sp = Shape.split(shape, dim);
        int n = sp.size();
        int inner = sp.inner();
        CudaBackend cuda = CudaTensors.backend("sum", x);
        if (cuda != null) {
            int[] keptShape = keptShape(shape, sp.dim());
            Tensor kept = CudaTensors.sumTo(cuda, x, keptShape);
            Tensor result = keepdim ? kept : kept.view(droppedShape(shape, sp.dim()));
            return GradFn.of("sum_dim", x).result(result, g -> new Tensor[] {expand(g.reshape(keptShape), shape)});
        }
        float[] in = Elementwise.contiguousData(x);
        float[] out = new float[sp.outer() * inner];
        for (int o = 0; o < sp.outer(); o++) {
            int base = o * n * inner;
            int ob = o * inner;
            for (int k = 0; k < n; k++) {
                int row = base + k * inner;
                for (int i = 0; i < inner; i++) {
                    out[ob + i] += in[row + i];
                }
            }
        }
        int[] keptShape = keptShape(shape, sp.dim());
        Tensor result = Tensor.of(out, keepdim ? keptShape : droppedShape(shape, sp.dim()));
        return GradFn.of("sum_dim", x).result(result, g -> new Tensor[] {expand(g.reshape(keptShape), shape)});
    }

    static Tensor max(Tensor x, int dim, boolean keepdim) {
        x.requireFloat("max");
        int[] shape = x.shape();
        Shape.Split sp = Shape.split(shape, dim);
        if (sp.size() == 0) {
            throw new IllegalArgumentException("max(): cannot reduce over an empty dimension " + sp.dim() + " (shape " + Shape.format(shape)
                    + ")");
        }
        CudaBackend cuda = CudaTensors.backend("max", x);
        if (cuda != null) {
            Tensor[] valuesAndIndices = CudaIndexing.max(cuda, x, sp.dim(), keepdim ? keptShape(shape, sp.dim())
                    : droppedShape(shape, sp.dim()));
            Tensor indices = valuesAndIndices[1];
            Tensor out = GradFn.of("max_dim", x).result(valuesAndIndices[0],
                    g -> new Tensor[] {CudaIndexing.maxBackward(g, indices, shape, sp.dim())});
            if (out.gradFn() == null) {
                GradBuffers.current().free(indices.storage());
            }
            return out;
        }
        float[] out = new float[sp.outer() * sp.inner()];
        int[] arg = new int[out.length];
        argmaxInto(Elementwise.contiguousData(x), sp, out, arg);
        Tensor result = Tensor.of(out, keepdim ? keptShape(shape, sp.dim()) : droppedShape(shape, sp.dim()));
        return GradFn.of("max_dim", x).result(result, g -> {
            float[] gd = Elementwise.contiguousData(g);
            float[] gx = new float[Shape.numel(shape)];
            int fi = sp.inner();
            for (int o = 0; o < sp.outer(); o++) {
                for (int i = 0; i < fi; i++) {
                    int r = o * fi + i;
                    gx[(o * sp.size() + arg[r]) * fi + i] = gd[r];
                }
            }
            return new Tensor[] {Tensor.of(gx, shape)};
        });
    }

    static Tensor argmax(Tensor x, int dim) {
        x.requireFloat("argmax");
        int[] shape = x.shape();
        Shape.Split sp = Shape.split(shape, dim);
        CudaBackend cuda = CudaTensors.backend("argmax", x);
        if (cuda != null) {
            if (shape.length != 2 || sp.dim() != 1) {
                CudaTensors.requireCpu("argmax over dimension " + dim + " of a " + Shape.format(shape) + " tensor (only rows of a 2-D "
                        + "one)", x);
            }
            return CudaTensors.argmaxRows(cuda, x);
        }
        float[] out = new float[sp.outer() * sp.inner()];
        int[] arg = new int[out.length];
        argmaxInto(Elementwise.contiguousData(x), sp, out, arg);
        return Tensor.ofInts(arg, droppedShape(shape, sp.dim()));
    }

    private static void argmaxInto(float[] in, Shape.Split sp, float[] out, int[] arg) {
        int outer = sp.outer();
        int n = sp.size();
        int inner = sp.inner();
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int base = o * n * inner + i;
                float best = in[base];
                int bi = 0;
                for (int k = 1; k < n; k++) {
                    float v = in[base + k * inner];
                    if (v > best || (Float.isNaN(v) && !Float.isNaN(best))) {
                        best = v;
                        bi = k;
                    }
                }
                out[o * inner + i] = best;
                arg[o * inner + i] = bi;
            }
        }
    }

    /** Sums a gradient of a broadcast result down to the shape of the input that was broadcast. */
    static Tensor sumTo(Tensor g, int[] target) {
        int[] shape = g.shape();
        if (Arrays.equals(shape, target)) {
            return g;
        }
        int lead = shape.length - target.length;
        if (lead < 0) {
            throw new IllegalArgumentException("sumTo: shape " + Shape.format(shape) + " cannot be reduced to " + Shape.format(target));
        }
        Tensor r = g;
        for (int i = 0; i < lead; i++) {
            r = r.sum(0, false);
        }
        for (int i = 0; i < target.length; i++) {
            if (target[i] == 1 && shape[lead + i] != 1) {
                r = r.sum(i, true);
            } else if (target[i] != shape[lead + i]) {
                throw new IllegalArgumentException("sumTo: shape " + Shape.format(shape) + " cannot be reduced to " + Shape.format(target));
            }
        }
        return r.reshape(target);
    }

    /** Broadcasts g (with size-1 dims where {@code shape} has larger ones) to {@code shape}, as a fresh tensor. */
    static Tensor expand(Tensor g, int[] shape) {
        if (g.storage().device != null) {
            return CudaTensors.expand(g, shape);
        }
        float[] out = new float[Shape.numel(shape)];
        Tensor gc = g.contiguous();
        Strided.gather(gc.data(), gc.storageOffset(), shape, Shape.broadcastStrides(gc.shape(), gc.strides(), shape), out, 0);
        return Tensor.of(out, shape);
    }

    private static int[] keptShape(int[] shape, int d) {
        if (shape.length == 0) {
            return new int[0];
        }
        int[] s = shape.clone();
        s[d] = 1;
        return s;
    }

    /** The shape without dimension {@code d}; a 0-d shape stays 0-d. */
    private static int[] droppedShape(int[] shape, int d) {
        if (shape.length == 0) {
            return new int[0];
        }
        int[] s = new int[shape.length - 1];
        for (int i = 0, k = 0; i < shape.length; i++) {
            if (i != d) {
                s[k++] = shape[i];
            }
        }
        return s;
    }
}
