package io.sparkgrad.tensor;

import java.util.Arrays;

/** In-place updates of a tensor's storage; every one bumps the storage version so autograd can see it. */
final class InPlace {
    private InPlace() {
    }

    /** {@code target += alpha * src}, src broadcast to target's shape. */
    static void axpy(Tensor target, Tensor src, float alpha) {
        CudaBackend cuda = CudaTensors.backend("add_", target, src);
        if (cuda != null) {
            CudaTensors.axpy(cuda, target, src, alpha);
            target.storage().bumpVersion();
            return;
        }
        if (target.isContiguous() && src.dtype() == DType.FLOAT32 && src.isContiguous() && src.data() != target.data()
                && src.sameShape(target)) {
            // The common case (a gradient accumulated into a parameter's grad): straight from the source's storage,
            // wherever in it the source starts, without a copy.
            float[] s = src.data();
            float[] t = target.data();
            int so = src.storageOffset();
            int to = target.storageOffset();
            for (int i = 0, n = target.numel(); i < n; i++) {
                t[to + i] += alpha * s[so + i];
            }
            target.storage().bumpVersion();
            return;
        }
        float[] s = broadcastValues(src, target.shape(), "add_");
        float[] t = target.data();
        if (target.isContiguous()) {
            int off = target.storageOffset();
            for (int i = 0; i < s.length; i++) {
                t[off + i] += alpha * s[i];
            }
        } else {
            float[] cur = target.toFloatArray();
            for (int i = 0; i < cur.length; i++) {
                cur[i] += alpha * s[i];
            }
            Strided.scatter(cur, 0, t, target.storageOffset(), target.shape(), target.strides());
        }
        target.storage().bumpVersion();
    }

    static void scale(Tensor target, float value) {
        if (target.storage().device != null) {
            CudaTensors.scale(target.storage().device.backend, target, value);
            target.storage().bumpVersion();
            return;
        }
        float[] t = target.data();
        if (target.isContiguous()) {
            int off = target.storageOffset();
            for (int i = 0, n = target.numel(); i < n; i++) {
                t[off + i] *= value;
            }
        } else {
            float[] cur = target.toFloatArray();
            for (int i = 0; i < cur.length; i++) {
                cur[i] *= value;
            }
            Strided.scatter(cur, 0, t, target.storageOffset(), target.shape(), target.strides());
        }
        target.storage().bumpVersion();
    }

    static void fill(Tensor target, float value) {
        if (target.storage().device != null) {
            CudaTensors.fill(target.storage().device.backend, target, value);
            target.storage().bumpVersion();
            return;
        }
        if (target.isContiguous()) {
            Arrays.fill(target.data(), target.storageOffset(), target.storageOffset() + target.numel(), value);
        } else {
            float[] cur = new float[target.numel()];
            Arrays.fill(cur, value);
            Strided.scatter(cur, 0, target.data(), target.storageOffset(), target.shape(), target.strides());
        }
        target.storage().bumpVersion();
    }

    static void copy(Tensor target, Tensor src) {
        if (target.storage().device != null) {
            CudaTensors.copy(target, src);
            target.storage().bumpVersion();
            return;
        }
        if (src.storage().device != null) {
            // copy_ is PyTorch's explicit copy between devices.
            src = CudaTensors.toHost(src);
        }
        float[] s = broadcastValues(src, target.shape(), "copy_");
        if (target.isContiguous()) {
            System.arraycopy(s, 0, target.data(), target.storageOffset(), s.length);
        } else {
            Strided.scatter(s, 0, target.data(), target.storageOffset(), target.shape(), target.strides());
        }
        target.storage().bumpVersion();
    }

    /** The values of {@code src} broadcast to {@code shape}, row-major. */
    private static float[] broadcastValues(Tensor src, int[] shape, String op) {
        int[] ss = src.shape();
        if (Arrays.equals(ss, shape)) {
            return src.dtype() == DType.FLOAT32 && src.isContiguous() && src.storageOffset() == 0 && src.data().length == src.numel()
                    ? src.data() : src.toFloatArray();
        }
        int[] b;
        try {
            b = Shape.broadcast(ss, shape);
        } catch (IllegalArgumentException e) {
            b = null;
        }
        if (b == null || !Arrays.equals(b, shape)) {
            throw new IllegalArgumentException(op + ": source of shape " + Shape.format(ss) + " cannot be broadcast to the target shape "
                    + Shape.format(shape));
        }
        float[] out = new float[Shape.numel(shape)];
        Tensor s = src.dtype() == DType.FLOAT32 ? src : Tensor.of(src.toFloatArray(), ss);
        Strided.gather(s.data(), s.storageOffset(), shape, Shape.broadcastStrides(ss, s.strides(), shape), out, 0);
        return out;
    }
}
