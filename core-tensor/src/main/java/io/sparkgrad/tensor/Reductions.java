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
        int rank = x.dim();
        int[] shape = x.shape();
        Shape.Split split = Shape.split(shape, dim);
        int d = split.dim();
        int outer = split.outer();
        int inner = split.inner();
        int n = split.size();
        float[] in = Elementwise.contiguousData(x);
        float[] out = new float[outer * inner];
        for (int o = 0; o < outer; o++) {
            int base = o * n * inner;
            int ob = o * inner;
            for (int k = 0; k < n; k++) {
                int row = base + k * inner;
                for (int i = 0; i < inner; i++) {
                    out[ob + i] += in[row + i];
                }
            }
        }
        int[] keptShape = keptShape(shape, d);
        Tensor result = Tensor.of(out, keepdim || rank == 0 ? keptShape : droppedShape(shape, d));
        return GradFn.of("sum_dim", x).result(result, g -> new Tensor[] {expand(g.reshape(keptShape), shape)});
    }

    static Tensor max(Tensor x, int dim, boolean keepdim) {
        x.requireFloat("max");
        int rank = x.dim();
        int[] shape = x.shape();
        Shape.Split split = Shape.split(shape, dim);
        int d = split.dim();
        int outer = split.outer();
        int inner = split.inner();
        int n = split.size();
        if (n == 0) {
            throw new IllegalArgumentException("max(): cannot reduce over an empty dimension " + d + " (shape " + Shape.format(shape) + ")");
        }
        float[] in = Elementwise.contiguousData(x);
        float[] out = new float[outer * inner];
        int[] arg = new int[outer * inner];
        argmaxInto(in, outer, n, inner, out, arg);
        int[] keptShape = keptShape(shape, d);
        Tensor result = Tensor.of(out, keepdim || rank == 0 ? keptShape : droppedShape(shape, d));
        int fo = outer;
        int fi = inner;
        return GradFn.of("max_dim", x).result(result, g -> {
            float[] gd = Elementwise.contiguousData(g);
            float[] gx = new float[Shape.numel(shape)];
            for (int o = 0; o < fo; o++) {
                for (int i = 0; i < fi; i++) {
                    int r = o * fi + i;
                    gx[(o * n + arg[r]) * fi + i] = gd[r];
                }
            }
            return new Tensor[] {Tensor.of(gx, shape)};
        });
    }

    static Tensor argmax(Tensor x, int dim) {
        x.requireFloat("argmax");
        int rank = x.dim();
        int[] shape = x.shape();
        Shape.Split split = Shape.split(shape, dim);
        int d = split.dim();
        int outer = split.outer();
        int inner = split.inner();
        int n = split.size();
        float[] out = new float[outer * inner];
        int[] arg = new int[outer * inner];
        argmaxInto(Elementwise.contiguousData(x), outer, n, inner, out, arg);
        return Tensor.ofInts(arg, rank == 0 ? new int[0] : droppedShape(shape, d));
    }

    private static void argmaxInto(float[] in, int outer, int n, int inner, float[] out, int[] arg) {
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

    private static int[] droppedShape(int[] shape, int d) {
        int[] s = new int[shape.length - 1];
        for (int i = 0, k = 0; i < shape.length; i++) {
            if (i != d) {
                s[k++] = shape[i];
            }
        }
        return s;
    }
}
