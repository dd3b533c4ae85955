package io.sparkgrad.tensor;

import io.sparkgrad.cuda.CudaOps;
import io.sparkgrad.kernel.ReluKernel;

import java.util.Arrays;
import java.util.Locale;

/** Elementwise ops with PyTorch broadcasting; each forward is next to its backward rule. */
final class Elementwise {
    static final int ADD = 0;
    static final int SUB = 1;
    static final int MUL = 2;
    static final int DIV = 3;

    static final int EXP = 10;
    static final int LOG = 11;
    static final int SQRT = 12;
    static final int RELU = 13;
    static final int SIGMOID = 14;
    static final int TANH = 15;
    static final int ABS = 16;

    private static final String[] BINARY_NAMES = {"add", "sub", "mul", "div"};

    private Elementwise() {
    }

    // ---------------------------------------------------------------- binary, broadcasting

    static Tensor binary(int op, Tensor a, Tensor b) {
        a.requireFloat(BINARY_NAMES[op]);
        b.requireFloat(BINARY_NAMES[op]);
        int[] shape = Shape.broadcast(a.shape(), b.shape());
        CudaBackend cuda = CudaTensors.backend(BINARY_NAMES[op], a, b);
        Tensor result;
        if (cuda != null) {
            result = CudaTensors.binary(cuda, op, a, b, shape);
        } else {
            // Tensor.empty: in a backward pass the output may reuse a consumed gradient's memory (every element is written).
            result = Tensor.empty(shape);
            compute(op, a, b, shape, result.data());
        }
        int[] as = a.shape();
        int[] bs = b.shape();
        GradFn fn = GradFn.of(BINARY_NAMES[op], a, b);
        return switch (op) {
            case ADD -> fn.result(result, g -> new Tensor[] {g.sumTo(as), g.sumTo(bs)});
            case SUB -> fn.result(result, g -> new Tensor[] {g.sumTo(as), b.requiresGrad() ? g.neg().sumTo(bs) : null});
            case MUL -> fn.saving(a, b).result(result, g -> new Tensor[] {
                    a.requiresGrad() ? g.mul(b).sumTo(as) : null,
                    b.requiresGrad() ? g.mul(a).sumTo(bs) : null});
            case DIV -> fn.saving(a, b).result(result, g -> new Tensor[] {
                    a.requiresGrad() ? g.div(b).sumTo(as) : null,
                    b.requiresGrad() ? g.mul(a).div(b.mul(b)).neg().sumTo(bs) : null});
            default -> throw new IllegalArgumentException("unknown binary op " + op);
        };
    }

    private static void compute(int op, Tensor a, Tensor b, int[] shape, float[] out) {
        float[] ad = a.data();
        float[] bd = b.data();
        int n = out.length;
        if (n == 0) {
            return;
        }
        if (Arrays.equals(a.shape(), shape) && Arrays.equals(b.shape(), shape) && a.isContiguous() && b.isContiguous()) {
            loop(op, ad, a.storageOffset(), 1, bd, b.storageOffset(), 1, out, 0, n);
            return;
        }
        if (b.numel() == 1 && Arrays.equals(a.shape(), shape) && a.isContiguous()) {
            loop(op, ad, a.storageOffset(), 1, bd, b.storageOffset(), 0, out, 0, n);
            return;
        }
        int rank = shape.length;
        int[] sa = Shape.broadcastStrides(a.shape(), a.strides(), shape);
        int[] sb = Shape.broadcastStrides(b.shape(), b.strides(), shape);
        int inner = shape[rank - 1];
        int[] idx = new int[rank];
        int pa = a.storageOffset();
        int pb = b.storageOffset();
        for (int o = 0; o < n; o += inner) {
            loop(op, ad, pa, sa[rank - 1], bd, pb, sb[rank - 1], out, o, inner);
            for (int d = rank - 2; d >= 0; d--) {
                idx[d]++;
                pa += sa[d];
                pb += sb[d];
                if (idx[d] < shape[d]) {
                    break;
                }
                pa -= sa[d] * shape[d];
                pb -= sb[d] * shape[d];
                idx[d] = 0;
            }
        }
    }

    private static void loop(int op, float[] a, int pa, int sa, float[] b, int pb, int sb, float[] out, int po, int n) {
        switch (op) {
            case ADD -> {
                for (int i = 0; i < n; i++, pa += sa, pb += sb) {
                    out[po + i] = a[pa] + b[pb];
                }
            }
            case SUB -> {
                for (int i = 0; i < n; i++, pa += sa, pb += sb) {
                    out[po + i] = a[pa] - b[pb];
                }
            }
            case MUL -> {
                for (int i = 0; i < n; i++, pa += sa, pb += sb) {
                    out[po + i] = a[pa] * b[pb];
                }
            }
            case DIV -> {
                for (int i = 0; i < n; i++, pa += sa, pb += sb) {
                    out[po + i] = a[pa] / b[pb];
                }
            }
            default -> throw new IllegalArgumentException("unknown binary op " + op);
        }
    }

    // ---------------------------------------------------------------- unary

    /** {@code scale * x + shift}: covers add/sub/mul/div by a scalar and neg. */
    static Tensor affine(Tensor x, float scale, float shift) {
        x.requireFloat("affine");
        String name = shift != 0f ? "add_scalar" : scale == -1f ? "neg" : "mul_scalar";
        CudaBackend cuda = CudaTensors.backend(name, x);
        if (cuda != null) {
            Tensor result = CudaTensors.affine(cuda, x, scale, shift);
            return GradFn.of(name, x).result(result, g -> new Tensor[] {scale == 1f ? g : g.mul(scale)});
        }
        float[] in = contiguousData(x);
        Tensor result = Tensor.empty(x.shape());
        float[] out = result.data();
        for (int i = 0; i < out.length; i++) {
            out[i] = scale * in[i] + shift;
        }
        return GradFn.of(name, x).result(result, g -> new Tensor[] {scale == 1f ? g : g.mul(scale)});
    }

    static Tensor unary(int op, Tensor x) {
        x.requireFloat("unary op");
        CudaBackend cuda = CudaTensors.backend("unary op", x);
        if (cuda != null) {
            // One kernel each way: the backward reads the input and output (CudaOps.unaryBackward).
            CudaOps.Unary code = CudaTensors.unaryCode(op);
            Tensor result = CudaTensors.unary(cuda, code, x);
            return GradFn.of(code.name().toLowerCase(Locale.ROOT), x).saving(x, result).result(result,
                    g -> new Tensor[] {CudaTensors.unaryBackward(code, x, result, g)});
        }
        float[] in = contiguousData(x);
        Tensor result = Tensor.empty(x.shape());
        float[] out = result.data();
        switch (op) {
            case EXP -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) Math.exp(in[i]);
                }
            }
            case LOG -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) Math.log(in[i]);
                }
            }
            case SQRT -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) Math.sqrt(in[i]);
                }
            }
            case RELU -> ReluKernel.forward(in, 0, out, 0, out.length);
            case SIGMOID -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) (1.0 / (1.0 + Math.exp(-in[i])));
                }
            }
            case TANH -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) Math.tanh(in[i]);
                }
            }
            case ABS -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = Math.abs(in[i]);
                }
            }
            default -> throw new IllegalArgumentException("unknown unary op " + op);
        }
        return switch (op) {
            case EXP -> GradFn.of("exp", x).saving(result).result(result, g -> new Tensor[] {g.mul(result)});
            case LOG -> GradFn.of("log", x).saving(x).result(result, g -> new Tensor[] {g.div(x)});
            case SQRT -> GradFn.of("sqrt", x).saving(result).result(result, g -> new Tensor[] {g.div(result.mul(2f))});
            case RELU -> GradFn.of("relu", x).saving(result).result(result, g -> new Tensor[] {mask(g, result)});
            case SIGMOID -> GradFn.of("sigmoid", x).saving(result).result(result,
                    g -> new Tensor[] {g.mul(result.mul(result.neg().add(1f)))});
            case TANH -> GradFn.of("tanh", x).saving(result).result(result,
                    g -> new Tensor[] {g.mul(result.mul(result).neg().add(1f))});
            case ABS -> GradFn.of("abs", x).saving(x).result(result, g -> new Tensor[] {g.mul(sign(x))});
            default -> throw new IllegalArgumentException("unknown unary op " + op);
        };
    }

    static Tensor pow(Tensor x, float p) {
        x.requireFloat("pow");
        CudaBackend cuda = CudaTensors.backend("pow", x);
        if (cuda != null) {
            // The gradient is composed of device ops, as on the CPU.
            return GradFn.of("pow", x).saving(x).result(CudaIndexing.pow(cuda, x, p), g -> new Tensor[] {g.mul(x.pow(p - 1f).mul(p))});
        }
        float[] in = contiguousData(x);
        Tensor result = Tensor.empty(x.shape());
        float[] out = result.data();
        for (int i = 0; i < out.length; i++) {
            out[i] = p == 2f ? in[i] * in[i] : (float) Math.pow(in[i], p);
        }
        return GradFn.of("pow", x).saving(x).result(result, g -> new Tensor[] {g.mul(x.pow(p - 1f).mul(p))});
    }

    /** g where {@code positive > 0}, else 0: the ReLU backward. */
    private static Tensor mask(Tensor g, Tensor positive) {
        float[] gd = contiguousData(g);
        Tensor result = Tensor.empty(g.shape());
        float[] out = result.data();
        ReluKernel.backward(contiguousData(positive), 0, gd, 0, out, 0, out.length, false);
        return result;
    }

    private static Tensor sign(Tensor x) {
        float[] in = contiguousData(x);
        float[] out = new float[in.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.signum(in[i]);
        }
        return Tensor.of(out, x.shape());
    }

    /** The elements in row-major order: the storage itself when it is exactly that, else a copy. */
    static float[] contiguousData(Tensor x) {
        if (x.isContiguous() && x.storageOffset() == 0 && x.data().length == x.numel()) {
            return x.data();
        }
        return x.toFloatArray();
    }
}
