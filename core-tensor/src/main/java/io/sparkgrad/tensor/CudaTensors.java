package io.sparkgrad.tensor;

import io.sparkgrad.cuda.CudaOps;
import io.sparkgrad.cuda.DeviceArray;
import java.util.Arrays;

/**
 * The forward computations of tensor ops on a CUDA device, through {@link CudaOps}: each takes and returns tensors
 * without recording a graph (the op that calls it records one, next to its CPU code), and gives its own temporaries
 * back at once. Also the device checks that every op makes ({@link #backend}, {@link #requireCpu}) and the copies
 * between host and device.
 */
final class CudaTensors {
    private CudaTensors() {
    }

    // ------------------------------------------------------------------------------------------------ checks

    /**
     * The backend of the device that all non-null {@code tensors} are on: null when that is the CPU. Tensors on two
     * devices are an error naming both, as PyTorch's.
     */
    static CudaBackend backend(String op, Tensor... tensors) {
        Tensor first = null;
        for (Tensor t : tensors) {
            if (t == null) {
                continue;
            }
            if (first == null) {
                first = t;
            } else if (t.storage().device != first.storage().device
                    && (t.storage().device == null || first.storage().device == null
                    || t.storage().device.backend != first.storage().device.backend)) {
                Device a = first.device();
                Device b = t.device();
                if (a.kind() == Device.Kind.CPU) {
                    Device swap = a;
                    a = b;
                    b = swap;
                }
                throw new IllegalArgumentException("Expected all tensors to be on the same device, but found at least two devices, "
                        + a + " and " + b + "! (in " + op + ")");
            }
        }
        return first == null || first.storage().device == null ? null : first.storage().device.backend;
    }

    /** Fails, naming {@code op} and the device, when a tensor is on a CUDA device: {@code op} runs on the CPU only. */
    static void requireCpu(String op, Tensor... tensors) {
        for (Tensor t : tensors) {
            if (t != null && t.storage().device != null) {
                throw new UnsupportedOperationException(op + " has no CUDA implementation in this build, and its input is on "
                        + t.device() + ". Copy the tensors to the CPU with cpu() (a module with to(Device.CPU)) to run it there.");
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ memory

    /** The device array behind a contiguous tensor on a device. */
    static DeviceArray array(Tensor t) {
        Storage s = t.storage();
        if (s.freed) {
            throw new IllegalStateException("this tensor's device memory was reused (shape " + Shape.format(t.shape()) + "): it was "
                    + "a gradient of a finished backward pass, or an intermediate activation freed by one");
        }
        if (!t.isContiguous()) {
            throw new IllegalArgumentException("internal: a strided " + Shape.format(t.shape()) + " tensor where a contiguous one is needed");
        }
        return new DeviceArray(s.device.address + (long) Float.BYTES * t.storageOffset(), t.shape());
    }

    /** {@code t} when contiguous, else a contiguous copy (no graph): the caller gives it back with {@link #discard}. */
    static Tensor dense(Tensor t) {
        return t.isContiguous() ? t : stridedCopy(t, t.shape(), t.strides());
    }

    /** Gives {@code temp} back at once unless it is {@code original}. */
    static void discard(Tensor temp, Tensor original) {
        if (temp != original) {
            GradBuffers.current().free(temp.storage());
        }
    }

    private static CudaBackend backendOf(Tensor t) {
        return t.storage().device.backend;
    }

    /** A contiguous copy of the view of {@code src}'s storage at its offset with {@code shape} and {@code strides}. */
    static Tensor stridedCopy(Tensor src, int[] shape, int[] strides) {
        if (src.storage().freed) {
            array(src);
        }
        CudaBackend b = backendOf(src);
        DeviceArray y = b.ops().stridedCopy(src.storage().device.address, src.storageOffset(), shape, strides);
        return b.wrap(y, shape, src.dtype());
    }

    /** A contiguous copy (no graph). */
    static Tensor contiguous(Tensor t) {
        return stridedCopy(t, t.shape(), t.strides());
    }

    /** {@code g} broadcast to {@code shape}, as a fresh tensor. */
    static Tensor expand(Tensor g, int[] shape) {
        return stridedCopy(g, shape, Shape.broadcastStrides(g.shape(), g.strides(), shape));
    }

    /** {@code t} as a contiguous tensor of {@code shape}: itself, or a broadcast copy to {@link #discard}. */
    private static Tensor fit(Tensor t, int[] shape) {
        return t.isContiguous() && Arrays.equals(t.shape(), shape) ? t : expand(t, shape);
    }

    /** A FLOAT32 tensor of {@code shape} filled with {@code value} on the device (no host copy). */
    static Tensor full(CudaBackend b, float value, int[] shape) {
        DeviceArray a = b.ops().empty(shape);
        b.ops().fill(a, value);
        return b.wrap(a, shape, DType.FLOAT32);
    }

    // ------------------------------------------------------------------------------------------------ host <-> device

    /** A copy of a host tensor on {@code device}. */
    static Tensor toDevice(Tensor t, Device device) {
        CudaBackend b = CudaBackends.of(device);
        Tensor out = b.wrap(b.ops().empty(t.shape()), t.dtype());
        if (t.numel() > 0) {
            long address = out.storage().device.address;
            if (t.dtype() == DType.INT32) {
                b.context().copyIn(t.toIntArray(), address);
            } else {
                b.context().copyIn(t.toFloatArray(), address);
            }
        }
        return out;
    }

    /** A copy of a device tensor in host memory. */
    static Tensor toHost(Tensor t) {
        Tensor d = dense(t);
        float[] host = new float[t.numel()];
        if (host.length > 0) {
            backendOf(t).context().copyOut(array(d).address(), host);
        }
        discard(d, t);
        if (t.dtype() == DType.INT32) {
            int[] ints = new int[host.length];
            for (int i = 0; i < ints.length; i++) {
                ints[i] = Float.floatToRawIntBits(host[i]);
            }
            return Tensor.ofInts(ints, t.shape());
        }
        return Tensor.of(host, t.shape());
    }

    // ------------------------------------------------------------------------------------------------ elementwise

    /** {@code a op b} (Elementwise's ADD..DIV) broadcast to {@code shape}. */
    static Tensor binary(CudaBackend b, int op, Tensor x, Tensor y, int[] shape) {
        Tensor xs = fit(x, shape);
        Tensor ys = fit(y, shape);
        Tensor out = b.wrap(b.ops().binary(CudaOps.Binary.values()[op], array(xs), array(ys)), shape, DType.FLOAT32);
        discard(xs, x);
        discard(ys, y);
        return out;
    }

    static Tensor affine(CudaBackend b, Tensor x, float scale, float shift) {
        Tensor xs = dense(x);
        Tensor out = b.wrap(b.ops().affine(array(xs), scale, shift), x.shape(), DType.FLOAT32);
        discard(xs, x);
        return out;
    }

    static CudaOps.Unary unaryCode(int op) {
        return switch (op) {
            case Elementwise.EXP -> CudaOps.Unary.EXP;
            case Elementwise.LOG -> CudaOps.Unary.LOG;
            case Elementwise.SQRT -> CudaOps.Unary.SQRT;
            case Elementwise.RELU -> CudaOps.Unary.RELU;
            case Elementwise.SIGMOID -> CudaOps.Unary.SIGMOID;
            case Elementwise.TANH -> CudaOps.Unary.TANH;
            case Elementwise.ABS -> CudaOps.Unary.ABS;
            default -> throw new IllegalArgumentException("unknown unary op " + op);
        };
    }

    static Tensor unary(CudaBackend b, CudaOps.Unary op, Tensor x) {
        Tensor xs = dense(x);
        Tensor out = b.wrap(b.ops().unary(op, array(xs)), x.shape(), DType.FLOAT32);
        discard(xs, x);
        return out;
    }

    /** The gradient of {@link #unary} from its input, its output and the output's gradient. */
    static Tensor unaryBackward(CudaOps.Unary op, Tensor x, Tensor y, Tensor g) {
        CudaBackend b = backend("unary backward", x, y, g);
        Tensor gs = dense(g);
        Tensor out = b.wrap(b.ops().unaryBackward(op, array(x), array(y), array(gs)), x.shape(), DType.FLOAT32);
        discard(gs, g);
        return out;
    }

    // ------------------------------------------------------------------------------------------------ reductions, matmul

    /** The sum of all elements, a 0-d tensor. */
    static Tensor sumAll(CudaBackend b, Tensor x) {
        Tensor xs = dense(x);
        Tensor out = b.wrap(b.ops().sum(array(xs)), new int[0], DType.FLOAT32);
        discard(xs, x);
        return out;
    }

    /** {@code x} summed over the dimensions where {@code kept} (same rank) is 1. */
    static Tensor sumTo(CudaBackend b, Tensor x, int[] kept) {
        Tensor xs = dense(x);
        Tensor out = b.wrap(b.ops().sumTo(array(xs), kept), kept, DType.FLOAT32);
        discard(xs, x);
        return out;
    }

    /** The 2-D product; a transposed contiguous operand (such as {@code w.t()}) is read in place. */
    static Tensor matmul(CudaBackend b, Tensor x, Tensor y) {
        boolean tx = transposed(x);
        boolean ty = transposed(y);
        Tensor xs = tx ? x : dense(x);
        Tensor ys = ty ? y : dense(y);
        DeviceArray c = b.ops().matmul(tx ? array(x.t()) : array(xs), tx, ty ? array(y.t()) : array(ys), ty);
        discard(xs, x);
        discard(ys, y);
        return b.wrap(c, DType.FLOAT32);
    }

    /** A 2-D tensor whose transpose is contiguous. */
    private static boolean transposed(Tensor m) {
        return !m.isContiguous() && m.t().isContiguous();
    }

    /** The index of each row's maximum, INT32 {@code [rows]}. */
    static Tensor argmaxRows(CudaBackend b, Tensor x) {
        Tensor xs = dense(x);
        Tensor out = b.wrap(b.ops().argmaxRows(array(xs)), DType.INT32);
        discard(xs, x);
        return out;
    }

    /** {@code a == b} for INT32 tensors of one shape, as FLOAT32 0/1. */
    static Tensor equal(CudaBackend b, Tensor x, Tensor y) {
        Tensor xs = dense(x);
        Tensor ys = dense(y);
        Tensor out = b.wrap(b.ops().equal(array(xs), array(ys)), x.shape(), DType.FLOAT32);
        discard(xs, x);
        discard(ys, y);
        return out;
    }

    // ------------------------------------------------------------------------------------------------ in place

    private static DeviceArray target(Tensor t, String op) {
        if (!t.isContiguous()) {
            throw new UnsupportedOperationException(op + " into a strided (non-contiguous) view on " + t.device()
                    + " has no CUDA implementation in this build; write into a contiguous tensor");
        }
        return array(t);
    }

    /** {@code target += alpha * src}, src broadcast to target's shape. */
    static void axpy(CudaBackend b, Tensor target, Tensor src, float alpha) {
        DeviceArray t = target(target, "add_");
        Tensor s = fit(src, target.shape());
        b.ops().axpy(alpha, array(s), t);
        discard(s, src);
    }

    static void scale(CudaBackend b, Tensor target, float value) {
        DeviceArray t = target(target, "mul_");
        b.ops().affineInto(t, t, value, 0f);
    }

    static void fill(CudaBackend b, Tensor target, float value) {
        b.ops().fill(target(target, "fill_"), value);
    }

    /** Copies {@code src} (broadcast; from any device: copy_ is the explicit copy between devices) into device {@code target}. */
    static void copy(Tensor target, Tensor src) {
        CudaBackend b = backendOf(target);
        DeviceArray t = target(target, "copy_");
        Tensor onDevice = src.device().equals(target.device()) ? src : src.to(target.device());
        Tensor s = fit(onDevice, target.shape());
        b.ops().affineInto(array(s), t, 1f, 0f);
        discard(s, onDevice);
        discard(onDevice, src);
    }
}
