package io.sparkgrad.cuda;

import io.sparkgrad.kernel.AdamKernel;
import io.sparkgrad.tensor.Shape;
import java.util.Arrays;

/**
 * The GPU side of every op, as host logic: shape checks, output allocation, and the sequence of kernel launches with
 * their geometry and arguments. It runs on a {@link GpuSession} on a GPU, and on a recording launcher in tests, which is
 * how this logic is checked on machines without one. Outputs come from the session's {@link CachingAllocator}; the
 * caller frees them. All arrays are contiguous row-major float32, except targets and pooling indices (int32).
 */
public final class CudaOps {

    /** Codes of {@code unary_f32} (elementwise.cu lists them in this order). */
    public enum Unary { NEG, EXP, LOG, TANH, SIGMOID, RELU, SQRT, ABS }

    /** Codes of {@code binary_f32}. */
    public enum Binary { ADD, SUB, MUL, DIV, MAX, MIN }

    private final KernelLauncher gpu;
    private final CachingAllocator memory;

    public CudaOps(KernelLauncher gpu, CachingAllocator memory) {
        this.gpu = gpu;
        this.memory = memory;
    }

    /** An uninitialised array of {@code shape}. */
    public DeviceArray empty(int... shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return new DeviceArray(memory.allocate(Math.max(1, n) * Float.BYTES), shape);
    }

    public void free(DeviceArray... arrays) {
        for (DeviceArray a : arrays) {
            if (a != null) {
                memory.free(a.address());
            }
        }
    }

    public void fill(DeviceArray a, float value) {
        gpu.launch(CudaKernel.FILL_F32, Launch.elementwise(a.numel()), a.address(), value, a.numel());
    }

    // ---- elementwise

    public DeviceArray unary(Unary op, DeviceArray x) {
        DeviceArray y = empty(x.shape());
        gpu.launch(CudaKernel.UNARY_F32, Launch.elementwise(x.numel()), x.address(), y.address(), x.numel(), op.ordinal());
        return y;
    }

    /** The gradient of {@link #unary} from its input {@code x}, output {@code y} and the output's gradient. */
    public DeviceArray unaryBackward(Unary op, DeviceArray x, DeviceArray y, DeviceArray gy) {
        sameShape("unary backward " + op, x, gy);
        sameShape("unary backward " + op, x, y);
        DeviceArray gx = empty(x.shape());
        gpu.launch(CudaKernel.UNARY_BACKWARD_F32, Launch.elementwise(x.numel()), x.address(), y.address(), gy.address(),
                gx.address(), x.numel(), op.ordinal());
        return gx;
    }

    /** {@code a op b} for arrays of one shape (the host expands broadcasts, which the training ops do not need). */
    public DeviceArray binary(Binary op, DeviceArray a, DeviceArray b) {
        sameShape(op.name().toLowerCase(java.util.Locale.ROOT), a, b);
        DeviceArray y = empty(a.shape());
        gpu.launch(CudaKernel.BINARY_F32, Launch.elementwise(a.numel()), a.address(), b.address(), y.address(), a.numel(),
                op.ordinal());
        return y;
    }

    /** {@code x * scale + shift}: a scalar add, sub, mul or div. */
    public DeviceArray affine(DeviceArray x, float scale, float shift) {
        DeviceArray y = empty(x.shape());
        gpu.launch(CudaKernel.AFFINE_F32, Launch.elementwise(x.numel()), x.address(), y.address(), x.numel(), scale, shift);
        return y;
    }

    /** {@code y += alpha * x}, in place: gradient accumulation. */
    public void axpy(float alpha, DeviceArray x, DeviceArray y) {
        sameShape("axpy", x, y);
        gpu.launch(CudaKernel.AXPY_F32, Launch.elementwise(x.numel()), alpha, x.address(), y.address(), x.numel());
    }

    /** Inverted dropout: {@code y = x * mask}, the mask 0 or {@code 1/(1-p)}, drawn from {@code seed}. */
    public record Dropout(DeviceArray y, DeviceArray mask) {
    }

    public Dropout dropout(DeviceArray x, float p, int seed) {
        if (!(p >= 0f && p < 1f)) {
            throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
        }
        DeviceArray y = empty(x.shape());
        DeviceArray mask = empty(x.shape());
        gpu.launch(CudaKernel.DROPOUT_F32, Launch.elementwise(x.numel()), x.address(), y.address(), mask.address(), x.numel(),
                p, seed);
        return new Dropout(y, mask);
    }

    // ---- matmul, linear

    /**
     * {@code op(a) @ op(b)}: {@code a} is {@code [M, K]} ({@code [K, M]} when {@code transA}), {@code b} is {@code [K, N]}
     * ({@code [N, K]} when {@code transB}); the result is {@code [M, N]}.
     */
    public DeviceArray matmul(DeviceArray a, boolean transA, DeviceArray b, boolean transB) {
        need2d("matmul", a);
        need2d("matmul", b);
        int m = transA ? a.size(1) : a.size(0);
        int k = transA ? a.size(0) : a.size(1);
        int kb = transB ? b.size(1) : b.size(0);
        int n = transB ? b.size(0) : b.size(1);
        if (k != kb) {
            throw new IllegalArgumentException("matmul: shapes " + Arrays.toString(a.shape()) + (transA ? "^T" : "") + " and "
                    + Arrays.toString(b.shape()) + (transB ? "^T" : "") + " cannot be multiplied (" + k + " != " + kb + ")");
        }
        DeviceArray c = empty(m, n);
        gemm(transA, transB, m, n, k, a.address(), a.size(1), b.address(), b.size(1), c.address());
        return c;
    }

    private void gemm(boolean transA, boolean transB, int m, int n, int k, long a, int lda, long b, int ldb, long c) {
        gpu.launch(CudaKernel.SGEMM_F32, Launch.gemm(m, n), transA ? 1 : 0, transB ? 1 : 0, m, n, k, 1f, a, lda, b, ldb, 0f,
                c, n);
    }

    /** {@code x @ w^T + bias}: x {@code [B, in]}, w {@code [out, in]}, bias {@code [out]} or null; result {@code [B, out]}. */
    public DeviceArray linear(DeviceArray x, DeviceArray w, DeviceArray bias) {
        DeviceArray y = matmul(x, false, w, true);
        if (bias != null) {
            biasAdd(y, bias, y.size(0), y.size(1), 1);
        }
        return y;
    }

    /** Gradients of {@link #linear}; {@code gb} is null without a bias. */
    public record LinearGrads(DeviceArray gx, DeviceArray gw, DeviceArray gb) {
    }

    public LinearGrads linearBackward(DeviceArray x, DeviceArray w, DeviceArray gy, boolean bias) {
        DeviceArray gx = matmul(gy, false, w, false);   // [B, out] @ [out, in]
        DeviceArray gw = matmul(gy, true, x, false);    // [B, out]^T @ [B, in]
        DeviceArray gb = null;
        if (bias) {
            gb = empty(gy.size(1));
            gpu.launch(CudaKernel.SUM_COLS_F32, Launch.elementwise(gy.size(1)), gy.address(), gb.address(), gy.size(0), gy.size(1));
        }
        return new LinearGrads(gx, gw, gb);
    }

    private void biasAdd(DeviceArray y, DeviceArray bias, int outer, int channels, int inner) {
        if (bias.dim() != 1 || bias.size(0) != channels) {
            throw new IllegalArgumentException("bias of shape " + Arrays.toString(bias.shape()) + " does not fit output "
                    + Arrays.toString(y.shape()) + ": expected [" + channels + "]");
        }
        gpu.launch(CudaKernel.BIAS_ADD_F32, Launch.elementwise(y.numel()), y.address(), bias.address(), y.address(), outer,
                channels, inner);
    }

    // ---- conv2d

    /** A 2-D window's geometry: kernel, stride and padding per axis, and the output size for an input. */
    public record Window(int kH, int kW, int sH, int sW, int pH, int pW) {
        public Window {
            if (kH < 1 || kW < 1 || sH < 1 || sW < 1 || pH < 0 || pW < 0) {
                throw new IllegalArgumentException("bad window: kernel " + kH + "x" + kW + ", stride " + sH + "x" + sW
                        + ", padding " + pH + "x" + pW);
            }
        }

        public static Window square(int kernel, int stride, int padding) {
            return new Window(kernel, kernel, stride, stride, padding, padding);
        }

        int outH(String op, int h) {
            return out(op, h, kH, sH, pH);
        }

        int outW(String op, int w) {
            return out(op, w, kW, sW, pW);
        }

        private static int out(String op, int in, int k, int s, int p) {
            int o = (in + 2 * p - k) / s + 1;
            if (in + 2 * p < k) {
                throw new IllegalArgumentException(op + ": kernel " + k + " is larger than the padded input " + (in + 2 * p));
            }
            return o;
        }

        Object[] args() {
            return new Object[] {kH, kW, sH, sW, pH, pW};
        }
    }

    /**
     * {@code conv2d(x, w, bias)}: x {@code [N, C, H, W]}, w {@code [OC, C, kH, kW]} (the window's kernel), bias {@code [OC]}
     * or null; result {@code [N, OC, OH, OW]}. One im2col of the whole batch and one GEMM, then a permute to NCHW.
     */
    public DeviceArray conv2d(DeviceArray x, DeviceArray w, DeviceArray bias, Window win) {
        ConvShape s = convShape(x, w, win);
        DeviceArray col = im2col(x, s, win);
        DeviceArray out = empty(s.oc, s.n * s.plane());                       // [OC, N*OH*OW]
        gemm(false, false, s.oc, s.n * s.plane(), s.ckk(), w.address(), s.ckk(), col.address(), s.n * s.plane(), out.address());
        DeviceArray y = empty(s.n, s.oc, s.oh, s.ow);
        gpu.launch(CudaKernel.SWAP01_F32, Launch.elementwise(y.numel()), out.address(), y.address(), s.oc, s.n, s.plane());
        free(col, out);
        if (bias != null) {
            biasAdd(y, bias, s.n, s.oc, s.plane());
        }
        return y;
    }

    /** Gradients of {@link #conv2d}; {@code gb} is null without a bias. */
    public record ConvGrads(DeviceArray gx, DeviceArray gw, DeviceArray gb) {
    }

    public ConvGrads conv2dBackward(DeviceArray x, DeviceArray w, DeviceArray gy, Window win, boolean bias) {
        ConvShape s = convShape(x, w, win);
        int[] want = {s.n, s.oc, s.oh, s.ow};
        if (!Arrays.equals(gy.shape(), want)) {
            throw new IllegalArgumentException("conv2d backward: gradient of shape " + Arrays.toString(gy.shape())
                    + " for an output of shape " + Arrays.toString(want));
        }
        int cols = s.n * s.plane();
        DeviceArray gOut = empty(s.oc, cols);                                  // [OC, N*OH*OW]
        gpu.launch(CudaKernel.SWAP01_F32, Launch.elementwise(gy.numel()), gy.address(), gOut.address(), s.n, s.oc, s.plane());
        DeviceArray col = im2col(x, s, win);
        DeviceArray gw = empty(w.shape());
        gemm(false, true, s.oc, s.ckk(), cols, gOut.address(), cols, col.address(), cols, gw.address());
        DeviceArray gcol = col;                                                // reuse: same shape [C*kH*kW, N*OH*OW]
        gemm(true, false, s.ckk(), cols, s.oc, w.address(), s.ckk(), gOut.address(), cols, gcol.address());
        DeviceArray gx = empty(x.shape());
        Object[] geometry = concat(new Object[] {gcol.address(), gx.address(), s.n, s.c, s.h, s.w}, win.args(),
                new Object[] {s.oh, s.ow});
        gpu.launch(CudaKernel.COL2IM_F32, Launch.elementwise(x.numel()), geometry);
        DeviceArray gb = null;
        if (bias) {
            gb = empty(s.oc);
            gpu.launch(CudaKernel.SUM_CHANNELS_F32, Launch.perRow(s.oc, s.n * s.plane()), gy.address(), gb.address(), s.n, s.oc,
                    s.plane());
        }
        free(gOut, gcol);
        return new ConvGrads(gx, gw, gb);
    }

    private record ConvShape(int n, int c, int h, int w, int oc, int kh, int kw, int oh, int ow) {
        int plane() {
            return oh * ow;
        }

        int ckk() {
            return c * kh * kw;
        }
    }

    private static ConvShape convShape(DeviceArray x, DeviceArray w, Window win) {
        if (x.dim() != 4 || w.dim() != 4) {
            throw new IllegalArgumentException("conv2d: input " + Arrays.toString(x.shape()) + " and weight "
                    + Arrays.toString(w.shape()) + " must both be 4-D ([N, C, H, W] and [OC, C, kH, kW])");
        }
        if (w.size(1) != x.size(1) || w.size(2) != win.kH() || w.size(3) != win.kW()) {
            throw new IllegalArgumentException("conv2d: weight " + Arrays.toString(w.shape()) + " does not fit input "
                    + Arrays.toString(x.shape()) + " with kernel " + win.kH() + "x" + win.kW());
        }
        return new ConvShape(x.size(0), x.size(1), x.size(2), x.size(3), w.size(0), win.kH(), win.kW(),
                win.outH("conv2d", x.size(2)), win.outW("conv2d", x.size(3)));
    }

    private DeviceArray im2col(DeviceArray x, ConvShape s, Window win) {
        DeviceArray col = empty(s.ckk(), s.n * s.plane());
        gpu.launch(CudaKernel.IM2COL_F32, Launch.elementwise(col.numel()), concat(new Object[] {x.address(), col.address(), s.n,
                s.c, s.h, s.w}, win.args(), new Object[] {s.oh, s.ow}));
        return col;
    }

    // ---- pooling

    /** Max pooling's output and, per output, the flat {@code h*W+w} of its maximum in its plane (int32). */
    public record MaxPool(DeviceArray y, DeviceArray indices) {
    }

    public MaxPool maxPool2d(DeviceArray x, Window win) {
        int[] o = poolOut("max_pool2d", x.shape(), win);
        DeviceArray y = empty(o);
        DeviceArray idx = empty(o);
        gpu.launch(CudaKernel.MAXPOOL2D_F32, Launch.elementwise(y.numel()), concat(new Object[] {x.address(), y.address(),
                idx.address(), o[0] * o[1], x.size(2), x.size(3), o[2], o[3]}, win.args()));
        return new MaxPool(y, idx);
    }

    public DeviceArray maxPool2dBackward(DeviceArray gy, DeviceArray indices, int[] xShape, Window win) {
        DeviceArray gx = poolBackwardInto(gy, xShape, win, "max_pool2d");
        gpu.launch(CudaKernel.MAXPOOL2D_BACKWARD_F32, Launch.elementwise(gx.numel()), concat(new Object[] {gy.address(),
                indices.address(), gx.address(), xShape[0] * xShape[1], xShape[2], xShape[3], gy.size(2), gy.size(3)}, win.args()));
        return gx;
    }

    /** Average pooling, padding counted in the divisor (PyTorch's default). */
    public DeviceArray avgPool2d(DeviceArray x, Window win) {
        int[] o = poolOut("avg_pool2d", x.shape(), win);
        DeviceArray y = empty(o);
        gpu.launch(CudaKernel.AVGPOOL2D_F32, Launch.elementwise(y.numel()), concat(new Object[] {x.address(), y.address(),
                o[0] * o[1], x.size(2), x.size(3), o[2], o[3]}, win.args()));
        return y;
    }

    public DeviceArray avgPool2dBackward(DeviceArray gy, int[] xShape, Window win) {
        DeviceArray gx = poolBackwardInto(gy, xShape, win, "avg_pool2d");
        gpu.launch(CudaKernel.AVGPOOL2D_BACKWARD_F32, Launch.elementwise(gx.numel()), concat(new Object[] {gy.address(),
                gx.address(), xShape[0] * xShape[1], xShape[2], xShape[3], gy.size(2), gy.size(3)}, win.args()));
        return gx;
    }

    private static int[] poolOut(String op, int[] x, Window win) {
        if (x.length != 4) {
            throw new IllegalArgumentException(op + ": input " + Arrays.toString(x) + " must be [N, C, H, W]");
        }
        return new int[] {x[0], x[1], win.outH(op, x[2]), win.outW(op, x[3])};
    }

    private DeviceArray poolBackwardInto(DeviceArray gy, int[] xShape, Window win, String op) {
        int[] want = poolOut(op, xShape, win);
        if (!Arrays.equals(gy.shape(), want)) {
            throw new IllegalArgumentException(op + " backward: gradient of shape " + Arrays.toString(gy.shape())
                    + " for an output of shape " + Arrays.toString(want));
        }
        return empty(xShape);
    }

    // ---- softmax, losses, reductions

    /** softmax ({@code log} false) or log_softmax over the last dimension of a 2-D array. */
    public DeviceArray softmax(DeviceArray x, boolean log) {
        need2d(log ? "log_softmax" : "softmax", x);
        DeviceArray y = empty(x.shape());
        gpu.launch(CudaKernel.SOFTMAX_ROWS_F32, Launch.perRow(x.size(0), x.size(1)), x.address(), y.address(), x.size(0),
                x.size(1), log ? 1 : 0);
        return y;
    }

    /** The gradient of {@link #softmax} from its output {@code y} and the output's gradient. */
    public DeviceArray softmaxBackward(DeviceArray y, DeviceArray gy, boolean log) {
        sameShape(log ? "log_softmax backward" : "softmax backward", y, gy);
        need2d("softmax backward", y);
        DeviceArray gx = empty(y.shape());
        gpu.launch(CudaKernel.SOFTMAX_BACKWARD_ROWS_F32, Launch.perRow(y.size(0), y.size(1)), y.address(), gy.address(),
                gx.address(), y.size(0), y.size(1), log ? 1 : 0);
        return gx;
    }

    /**
     * Cross-entropy of logits {@code [B, C]} and int32 targets {@code [B]}: the log-probabilities (kept for backward),
     * the per-sample losses {@code [B]} and their sum {@code [1]} (workers send sums). A target outside {@code [0, C)}
     * makes that sample's loss NaN, which the caller must check when it copies the sum out.
     */
    public record CrossEntropy(DeviceArray logp, DeviceArray losses, DeviceArray lossSum) {
    }

    public CrossEntropy crossEntropy(DeviceArray logits, DeviceArray target) {
        need2d("cross_entropy", logits);
        if (target.dim() != 1 || target.size(0) != logits.size(0)) {
            throw new IllegalArgumentException("cross_entropy: target " + Arrays.toString(target.shape()) + " does not fit input "
                    + Arrays.toString(logits.shape()) + ": expected [" + logits.size(0) + "]");
        }
        DeviceArray logp = softmax(logits, true);
        DeviceArray losses = empty(logits.size(0));
        gpu.launch(CudaKernel.NLL_ROWS_F32, Launch.elementwise(logits.size(0)), logp.address(), target.address(),
                losses.address(), logits.size(0), logits.size(1));
        return new CrossEntropy(logp, losses, sum(losses));
    }

    /** The gradient of cross-entropy for logits: {@code (softmax - onehot) * scale[0]}, {@code scale} a device scalar. */
    public DeviceArray crossEntropyBackward(DeviceArray logp, DeviceArray target, DeviceArray scale) {
        DeviceArray g = empty(logp.shape());
        gpu.launch(CudaKernel.CROSS_ENTROPY_BACKWARD_F32, Launch.elementwise(logp.numel()), logp.address(), target.address(),
                scale.address(), g.address(), logp.size(0), logp.size(1));
        return g;
    }

    /** The sum of all elements, as {@code [1]}: one block in a fixed order, so the same on every run. */
    public DeviceArray sum(DeviceArray x) {
        DeviceArray s = empty(1);
        gpu.launch(CudaKernel.SUM_ROWS_F32, Launch.perRow(1, x.numel()), x.address(), s.address(), 1, x.numel());
        return s;
    }

    /** How many rows of {@code logits [B, C]} have their argmax at the int32 target, as a float {@code [1]}. */
    public DeviceArray correct(DeviceArray logits, DeviceArray target) {
        need2d("accuracy", logits);
        DeviceArray idx = empty(logits.size(0));
        gpu.launch(CudaKernel.ARGMAX_ROWS_F32, Launch.perRow(logits.size(0), logits.size(1)), logits.address(), idx.address(),
                logits.size(0), logits.size(1));
        DeviceArray count = empty(1);
        gpu.launch(CudaKernel.COUNT_EQUAL_I32, Launch.perRow(1, logits.size(0)), idx.address(), target.address(),
                count.address(), logits.size(0));
        free(idx);
        return count;
    }

    // ---- optimizer steps over flat buffers

    /** One SGD step over {@code n} parameters (PyTorch's rule; {@code firstStep} starts the momentum buffer). */
    public void sgdStep(DeviceArray p, DeviceArray g, DeviceArray momentumBuffer, float lr, float momentum, float dampening,
                        float weightDecay, boolean nesterov, boolean firstStep) {
        sameShape("sgd", p, g);
        if (momentum != 0f) {
            sameShape("sgd momentum buffer", p, momentumBuffer);
        }
        // Without momentum the kernel never reads the buffer, but a launch takes no null pointer: pass the gradient.
        long buf = momentum != 0f ? momentumBuffer.address() : g.address();
        gpu.launch(CudaKernel.SGD_F32, Launch.elementwise(p.numel()), p.address(), g.address(), buf, p.numel(), lr, momentum,
                dampening, weightDecay, nesterov ? 1 : 0, firstStep ? 1 : 0);
    }

    /** One Adam or AdamW step with the CPU kernel's constants ({@link AdamKernel.Step}); amsgrad is {@link #adamAmsgradStep}. */
    public void adamStep(DeviceArray p, DeviceArray g, DeviceArray m, DeviceArray v, AdamKernel.Step s) {
        sameShape("adam", p, g);
        sameShape("adam exp_avg", p, m);
        sameShape("adam exp_avg_sq", p, v);
        gpu.launch(CudaKernel.ADAM_F32, Launch.elementwise(p.numel()), p.address(), g.address(), m.address(), v.address(),
                p.numel(), s.stepSize(), s.bc2Sqrt(), s.beta1(), s.beta2(), s.oneMinusBeta1(), s.oneMinusBeta2(), s.eps(), s.l2(),
                s.decoupled() ? 1 : 0, s.decay(), s.maximize() ? 1 : 0);
    }

    /** {@link #adamStep} with amsgrad: {@code vmax}, the running maximum of {@code v}, divides the step. */
    public void adamAmsgradStep(DeviceArray p, DeviceArray g, DeviceArray m, DeviceArray v, DeviceArray vmax, AdamKernel.Step s) {
        sameShape("adam", p, g);
        sameShape("adam exp_avg", p, m);
        sameShape("adam exp_avg_sq", p, v);
        sameShape("adam max_exp_avg_sq", p, vmax);
        gpu.launch(CudaKernel.ADAM_AMSGRAD_F32, Launch.elementwise(p.numel()), p.address(), g.address(), m.address(), v.address(),
                vmax.address(), p.numel(), s.stepSize(), s.bc2Sqrt(), s.beta1(), s.beta2(), s.oneMinusBeta1(), s.oneMinusBeta2(),
                s.eps(), s.l2(), s.decoupled() ? 1 : 0, s.decay(), s.maximize() ? 1 : 0);
    }

    // ---- tensors on the device (io.sparkgrad.tensor): views, broadcasts, comparisons (tensor.cu)

    /** The most dimensions of a strided view that {@link #stridedCopy} and {@link #sumTo} take. */
    public static final int MAX_DIMS = 4;

    /**
     * A contiguous copy of the strided view at {@code base}: element {@code [i0, ...]} is the 32-bit word at
     * {@code base + 4 * (offset + i0*strides[0] + ...)}; a stride of 0 broadcasts its dimension. Works for int32 too.
     */
    public DeviceArray stridedCopy(long base, int offset, int[] shape, int[] strides) {
        int[] s = padded(shape, "strided copy");
        int[] t = new int[MAX_DIMS];
        System.arraycopy(strides, 0, t, MAX_DIMS - strides.length, strides.length);
        DeviceArray y = empty(shape);
        int n = y.numel();
        if (n > 0) {
            gpu.launch(CudaKernel.STRIDED_COPY_F32, Launch.elementwise(n), base, y.address(), n, offset, s[0], s[1], s[2], s[3],
                    t[0], t[1], t[2], t[3]);
        }
        return y;
    }

    /** {@code x} summed over every dimension where {@code target} (same rank) has 1 and {@code x} has more. */
    public DeviceArray sumTo(DeviceArray x, int[] target) {
        if (target.length != x.dim()) {
            throw new IllegalArgumentException("sum_to: target " + Arrays.toString(target) + " and input " + Arrays.toString(x.shape())
                    + " differ in rank");
        }
        for (int d = 0; d < target.length; d++) {
            if (target[d] != x.size(d) && target[d] != 1) {
                throw new IllegalArgumentException("sum_to: input " + Arrays.toString(x.shape()) + " cannot be summed to "
                        + Arrays.toString(target));
            }
        }
        int[] s = padded(x.shape(), "sum_to");
        int[] d = padded(target, "sum_to");
        DeviceArray y = empty(target);
        gpu.launch(CudaKernel.SUM_TO_F32, Launch.elementwise(y.numel()), x.address(), y.address(), y.numel(), s[0], s[1], s[2],
                s[3], d[0], d[1], d[2], d[3]);
        return y;
    }

    /** {@code a == b} elementwise for int32 arrays of one shape, as float 0/1. */
    public DeviceArray equal(DeviceArray a, DeviceArray b) {
        sameShape("eq", a, b);
        DeviceArray y = empty(a.shape());
        gpu.launch(CudaKernel.EQUAL_I32, Launch.elementwise(a.numel()), a.address(), b.address(), y.address(), a.numel());
        return y;
    }

    /** The index of each row's maximum (the first on ties) of {@code x [rows, cols]}, int32 {@code [rows]}. */
    public DeviceArray argmaxRows(DeviceArray x) {
        need2d("argmax", x);
        DeviceArray idx = empty(x.size(0));
        gpu.launch(CudaKernel.ARGMAX_ROWS_F32, Launch.perRow(x.size(0), x.size(1)), x.address(), idx.address(), x.size(0),
                x.size(1));
        return idx;
    }

    /** Per-sample negative log-likelihood {@code [B]} of int32 targets {@code [B]} under {@code logp [B, C]} (NaN off range). */
    public DeviceArray nllLoss(DeviceArray logp, DeviceArray target) {
        need2d("nll_loss", logp);
        if (target.dim() != 1 || target.size(0) != logp.size(0)) {
            throw new IllegalArgumentException("nll_loss: target " + Arrays.toString(target.shape()) + " does not fit input "
                    + Arrays.toString(logp.shape()) + ": expected [" + logp.size(0) + "]");
        }
        DeviceArray losses = empty(logp.size(0));
        gpu.launch(CudaKernel.NLL_ROWS_F32, Launch.elementwise(logp.size(0)), logp.address(), target.address(), losses.address(),
                logp.size(0), logp.size(1));
        return losses;
    }

    /**
     * The gradient of {@link #nllLoss} for {@code logp [rows, cols]}: {@code -gy / divisor} at each row's target, else 0;
     * {@code gy} is {@code [rows]} when {@code perRow} (no reduction), else one value (a sum, or a mean with divisor B).
     */
    public DeviceArray nllBackward(DeviceArray target, DeviceArray gy, int rows, int cols, boolean perRow, int divisor) {
        DeviceArray gx = empty(rows, cols);
        gpu.launch(CudaKernel.NLL_BACKWARD_F32, Launch.elementwise((long) rows * cols), target.address(), gy.address(),
                gx.address(), rows, cols, perRow ? 1 : 0, divisor);
        return gx;
    }

    /** {@code y = x * scale + shift} into an existing {@code y} of x's shape ({@code y} may be {@code x}: in place). */
    public void affineInto(DeviceArray x, DeviceArray y, float scale, float shift) {
        sameShape("affine", x, y);
        gpu.launch(CudaKernel.AFFINE_F32, Launch.elementwise(x.numel()), x.address(), y.address(), x.numel(), scale, shift);
    }

    private static int[] padded(int[] shape, String op) {
        if (shape.length > MAX_DIMS) {
            throw new IllegalArgumentException(op + ": shape " + Arrays.toString(shape) + " has more than " + MAX_DIMS
                    + " dimensions, which the CUDA backend does not take");
        }
        int[] p = {1, 1, 1, 1};
        System.arraycopy(shape, 0, p, MAX_DIMS - shape.length, shape.length);
        return p;
    }

    // ---- ops of device tensors that were refused before (activation.cu, index.cu, adaptive_pool.cu)

    /** GELU, PyTorch's exact form: {@code x * Phi(x)}, {@code Phi} the standard normal CDF. */
    public DeviceArray gelu(DeviceArray x) {
        DeviceArray y = empty(x.shape());
        gpu.launch(CudaKernel.GELU_F32, Launch.elementwise(x.numel()), x.address(), y.address(), x.numel());
        return y;
    }

    /** The gradient of {@link #gelu} from its input and the output's gradient. */
    public DeviceArray geluBackward(DeviceArray x, DeviceArray gy) {
        sameShape("gelu backward", x, gy);
        DeviceArray gx = empty(x.shape());
        gpu.launch(CudaKernel.GELU_BACKWARD_F32, Launch.elementwise(x.numel()), x.address(), gy.address(), gx.address(), x.numel());
        return gx;
    }

    /** LeakyReLU: {@code x > 0 ? x : slope * x}. */
    public DeviceArray leakyRelu(DeviceArray x, float slope) {
        DeviceArray y = empty(x.shape());
        gpu.launch(CudaKernel.LEAKY_RELU_F32, Launch.elementwise(x.numel()), x.address(), y.address(), x.numel(), slope);
        return y;
    }

    /** The gradient of {@link #leakyRelu}: {@code x > 0 ? gy : slope * gy}. */
    public DeviceArray leakyReluBackward(DeviceArray x, DeviceArray gy, float slope) {
        sameShape("leaky_relu backward", x, gy);
        DeviceArray gx = empty(x.shape());
        gpu.launch(CudaKernel.LEAKY_RELU_BACKWARD_F32, Launch.elementwise(x.numel()), x.address(), gy.address(), gx.address(),
                x.numel(), slope);
        return gx;
    }

    /** {@code x ^ p} elementwise ({@code x * x} for 2). */
    public DeviceArray pow(DeviceArray x, float p) {
        DeviceArray y = empty(x.shape());
        gpu.launch(CudaKernel.POW_SCALAR_F32, Launch.elementwise(x.numel()), x.address(), y.address(), x.numel(), p);
        return y;
    }

    /** The maxima over a dimension and, per maximum, its index along that dimension (int32, the first on ties). */
    public record MaxDim(DeviceArray values, DeviceArray indices) {
    }

    /**
     * The maximum over dimension {@code dim} of {@code x}, shaped {@code outShape} (x's shape without the dimension, or
     * with it as 1): x is viewed as {@code [outer, n, inner]} around the dimension.
     */
    public MaxDim maxDim(DeviceArray x, int dim, int[] outShape) {
        int[] oni = aroundDim("max", x.shape(), dim);
        if (oni[1] == 0) {
            throw new IllegalArgumentException("max(): cannot reduce over an empty dimension " + dim + " (shape "
                    + Arrays.toString(x.shape()) + ")");
        }
        DeviceArray y = empty(outShape);
        DeviceArray idx = empty(outShape);
        if (y.numel() != oni[0] * oni[2]) {
            free(y, idx);
            throw new IllegalArgumentException("max: output shape " + Arrays.toString(outShape) + " does not fit input "
                    + Arrays.toString(x.shape()) + " reduced over dimension " + dim);
        }
        gpu.launch(CudaKernel.MAX_DIM_F32, Launch.elementwise(y.numel()), x.address(), y.address(), idx.address(), oni[0], oni[1],
                oni[2]);
        return new MaxDim(y, idx);
    }

    /** The gradient of {@link #maxDim}: each output's gradient at its maximum's place, 0 elsewhere. */
    public DeviceArray maxDimBackward(DeviceArray gy, DeviceArray indices, int[] xShape, int dim) {
        int[] oni = aroundDim("max backward", xShape, dim);
        if (gy.numel() != oni[0] * oni[2] || indices.numel() != gy.numel()) {
            throw new IllegalArgumentException("max backward: gradient " + Arrays.toString(gy.shape()) + " and indices "
                    + Arrays.toString(indices.shape()) + " do not fit input " + Arrays.toString(xShape) + " over dimension " + dim);
        }
        DeviceArray gx = empty(xShape);
        gpu.launch(CudaKernel.MAX_DIM_BACKWARD_F32, Launch.elementwise(gx.numel()), gy.address(), indices.address(), gx.address(),
                oni[0], oni[1], oni[2]);
        return gx;
    }

    /**
     * {@code out[c] = x[c with dimension dim replaced by index[c]]}: {@code index} (int32) has x's rank, and outside
     * {@code dim} sizes no larger than x's; the result has the index's shape. An index out of range gives NaN.
     */
    public DeviceArray gather(DeviceArray x, int dim, DeviceArray index) {
        checkGather(x.shape(), dim, index.shape());
        int[] xs = padded(x.shape(), "gather");
        int[] is = padded(index.shape(), "gather");
        int d = dim + MAX_DIMS - x.dim();
        DeviceArray y = empty(index.shape());
        if (y.numel() > 0) {
            gpu.launch(CudaKernel.GATHER_F32, Launch.elementwise(y.numel()), x.address(), index.address(), y.address(), y.numel(), d,
                    is[1], is[2], is[3], xs[0], xs[1], xs[2], xs[3]);
        }
        return y;
    }

    /** The gradient of {@link #gather} for an input of {@code xShape}: the output's gradients added at the picked places. */
    public DeviceArray gatherBackward(DeviceArray gy, DeviceArray index, int dim, int[] xShape) {
        checkGather(xShape, dim, index.shape());
        sameShape("gather backward", gy, index);
        int[] xs = padded(xShape, "gather");
        int[] is = padded(index.shape(), "gather");
        DeviceArray gx = empty(xShape);
        gpu.launch(CudaKernel.GATHER_BACKWARD_F32, Launch.elementwise(gx.numel()), gy.address(), index.address(), gx.address(),
                gx.numel(), dim + MAX_DIMS - xShape.length, is[0], is[1], is[2], is[3], xs[1], xs[2], xs[3]);
        return gx;
    }

    private static void checkGather(int[] xs, int dim, int[] is) {
        if (is.length != xs.length || dim < 0 || dim >= xs.length) {
            throw new IllegalArgumentException("gather: index of shape " + Arrays.toString(is) + " must have the same rank as input "
                    + "of shape " + Arrays.toString(xs) + ", and dimension " + dim + " must be one of its dimensions");
        }
        for (int i = 0; i < xs.length; i++) {
            if (i != dim && is[i] > xs[i]) {
                throw new IllegalArgumentException("gather: index of shape " + Arrays.toString(is) + " is larger than input of shape "
                        + Arrays.toString(xs) + " at dimension " + i);
            }
        }
    }

    /** {@code x}'s dim-0 entries at the int32 {@code rows} ({@code [picks]}), in their order: index_select over dim 0. */
    public DeviceArray indexRows(DeviceArray x, DeviceArray rows) {
        int[] shape = x.shape().clone();
        int per = rowSize(x.shape(), rows, "index_select");
        shape[0] = rows.size(0);
        DeviceArray y = empty(shape);
        if (y.numel() > 0) {
            gpu.launch(CudaKernel.INDEX_ROWS_F32, Launch.elementwise(y.numel()), x.address(), rows.address(), y.address(), y.numel(),
                    per);
        }
        return y;
    }

    /** The gradient of {@link #indexRows} for an input of {@code xShape}: a row picked twice gets both gradients. */
    public DeviceArray indexRowsBackward(DeviceArray gy, DeviceArray rows, int[] xShape) {
        int per = rowSize(xShape, rows, "index_select backward");
        if (gy.numel() != rows.size(0) * per) {
            throw new IllegalArgumentException("index_select backward: gradient " + Arrays.toString(gy.shape()) + " does not fit "
                    + rows.size(0) + " rows of input " + Arrays.toString(xShape));
        }
        DeviceArray gx = empty(xShape);
        if (gx.numel() > 0) {
            gpu.launch(CudaKernel.INDEX_ROWS_BACKWARD_F32, Launch.elementwise(gx.numel()), gy.address(), rows.address(), gx.address(),
                    gx.numel(), rows.size(0), per);
        }
        return gx;
    }

    private static int rowSize(int[] xShape, DeviceArray rows, String op) {
        if (xShape.length == 0 || rows.dim() != 1) {
            throw new IllegalArgumentException(op + ": expected an input of at least one dimension and a 1-D index, got "
                    + Arrays.toString(xShape) + " and " + Arrays.toString(rows.shape()));
        }
        int per = 1;
        for (int d = 1; d < xShape.length; d++) {
            per *= xShape[d];
        }
        return per;
    }

    /** Copies {@code x} into {@code y} at offset {@code at} of dimension {@code dim}: one input of a cat. */
    public void place(DeviceArray x, DeviceArray y, int dim, int at) {
        if (x.dim() != y.dim() || dim < 0 || dim >= x.dim() || at < 0 || at + x.size(dim) > y.size(dim)) {
            throw new IllegalArgumentException("cat: " + Arrays.toString(x.shape()) + " does not fit " + Arrays.toString(y.shape())
                    + " at " + at + " of dimension " + dim);
        }
        int[] oni = aroundDim("cat", x.shape(), dim);
        for (int d = 0; d < x.dim(); d++) {
            if (d != dim && x.size(d) != y.size(d)) {
                throw new IllegalArgumentException("cat: sizes of tensors must match except in dimension " + dim + ", got "
                        + Arrays.toString(y.shape()) + " and " + Arrays.toString(x.shape()));
            }
        }
        if (x.numel() > 0) {
            gpu.launch(CudaKernel.PLACE_F32, Launch.elementwise(x.numel()), x.address(), y.address(), x.numel(), oni[1], oni[2],
                    y.size(dim), at);
        }
    }

    /** {@code {outer, n, inner}}: {@code shape} around dimension {@code dim}. */
    private static int[] aroundDim(String op, int[] shape, int dim) {
        if (dim < 0 || dim >= Math.max(1, shape.length)) {
            throw new IllegalArgumentException(op + ": dimension " + dim + " is out of range for shape " + Arrays.toString(shape));
        }
        Shape.Split split = Shape.split(shape, dim);
        return new int[] {split.outer(), split.size(), split.inner()};
    }

    /**
     * The batched product {@code a @ b}: a {@code [B, M, K]}, b {@code [B, K, N]} or {@code [K, N]} (shared by the
     * batch); the result is {@code [B, M, N]}. One GEMM per batch entry.
     */
    public DeviceArray bmm(DeviceArray a, DeviceArray b) {
        boolean shared = b.dim() == 2;
        if (a.dim() != 3 || (b.dim() != 3 && !shared)) {
            throw new IllegalArgumentException("bmm: expected [B, M, K] and [B, K, N] (or [K, N]), got " + Arrays.toString(a.shape())
                    + " and " + Arrays.toString(b.shape()));
        }
        int batch = a.size(0);
        int m = a.size(1);
        int k = a.size(2);
        int kb = shared ? b.size(0) : b.size(1);
        int n = shared ? b.size(1) : b.size(2);
        if (kb != k || (!shared && b.size(0) != batch)) {
            throw new IllegalArgumentException("batch1 and batch2 shapes cannot be multiplied (" + Arrays.toString(a.shape()) + " and "
                    + Arrays.toString(b.shape()) + ")");
        }
        DeviceArray c = empty(batch, m, n);
        if (m > 0 && n > 0) {
            for (int i = 0; i < batch; i++) {
                long bOff = shared ? 0 : (long) Float.BYTES * i * k * n;
                gemm(false, false, m, n, k, a.address() + (long) Float.BYTES * i * m * k, k, b.address() + bOff, n,
                        c.address() + (long) Float.BYTES * i * m * n);
            }
        }
        return c;
    }

    /**
     * Adaptive average pooling of {@code x [N, C, H, W]} to {@code [N, C, oh, ow]} with PyTorch's windows ({@code
     * [floor(i*L/O), ceil((i+1)*L/O))} per axis, overlapping where O does not divide L).
     */
    public DeviceArray adaptiveAvgPool2d(DeviceArray x, int oh, int ow) {
        if (x.dim() != 4 || oh < 1 || ow < 1 || x.size(2) < 1 || x.size(3) < 1) {
            throw new IllegalArgumentException("adaptive_avg_pool2d: input " + Arrays.toString(x.shape()) + " must be [N, C, H, W] with "
                    + "positive H and W, and the output size (" + oh + ", " + ow + ") positive");
        }
        DeviceArray y = empty(x.size(0), x.size(1), oh, ow);
        if (y.numel() > 0) {
            gpu.launch(CudaKernel.ADAPTIVE_AVGPOOL2D_F32, Launch.elementwise(y.numel()), x.address(), y.address(), x.size(0) * x.size(1),
                    x.size(2), x.size(3), oh, ow);
        }
        return y;
    }

    /** The gradient of {@link #adaptiveAvgPool2d} for an input of {@code xShape}. */
    public DeviceArray adaptiveAvgPool2dBackward(DeviceArray gy, int[] xShape) {
        if (gy.dim() != 4 || xShape.length != 4 || gy.size(0) != xShape[0] || gy.size(1) != xShape[1]) {
            throw new IllegalArgumentException("adaptive_avg_pool2d backward: gradient " + Arrays.toString(gy.shape())
                    + " does not fit input " + Arrays.toString(xShape));
        }
        DeviceArray gx = empty(xShape);
        if (gx.numel() > 0) {
            gpu.launch(CudaKernel.ADAPTIVE_AVGPOOL2D_BACKWARD_F32, Launch.elementwise(gx.numel()), gy.address(), gx.address(),
                    xShape[0] * xShape[1], xShape[2], xShape[3], gy.size(2), gy.size(3));
        }
        return gx;
    }

    // ---- batch norm (norm.cu)

    /**
     * What a batch-norm forward keeps for its backward: the output and, per channel, the mean and {@code 1 / sqrt(var +
     * eps)} it normalised with (the batch's in training, the running ones in evaluation). The caller frees all three.
     */
    public record BatchNorm(DeviceArray y, DeviceArray mean, DeviceArray invStd) {
    }

    /** The gradients of a batch norm: of its input, weight ({@code [C]}) and bias ({@code [C]}). The caller frees them. */
    public record BatchNormGrads(DeviceArray gx, DeviceArray gw, DeviceArray gb) {
    }

    /**
     * {@code BatchNorm2d} (on {@code [N, C, H, W]}) or {@code BatchNorm1d} (on {@code [N, C]}), as {@code F.batchNorm}:
     * {@code y = (x - mean) / sqrt(var + eps) * weight + bias} per channel. Training normalises with the batch's mean and
     * biased variance and folds them into the running statistics in place ({@code (1 - momentum) * running + momentum *
     * batch}, the variance unbiased); evaluation normalises with the running statistics and changes nothing.
     *
     * @param weight      {@code [C]} (pass ones for {@code affine=False})
     * @param bias        {@code [C]} (pass zeros for {@code affine=False})
     * @param runningMean {@code [C]}, updated in training
     * @param runningVar  {@code [C]}, updated in training
     * @throws IllegalArgumentException naming the shapes, or when training has a single value per channel
     */
    public BatchNorm batchNorm(DeviceArray x, DeviceArray weight, DeviceArray bias, DeviceArray runningMean, DeviceArray runningVar,
                               boolean training, float momentum, float eps) {
        int[] ncs = batchNormShape("batch_norm", x, weight, bias, runningMean, runningVar);
        int n = ncs[0], c = ncs[1], s = ncs[2];
        long perChannel = (long) n * s;
        DeviceArray mean = empty(c);
        DeviceArray invStd = empty(c);
        if (training) {
            if (perChannel < 2) {
                free(mean, invStd);
                throw new IllegalArgumentException("batch_norm: expected more than 1 value per channel when training, got input shape "
                        + Arrays.toString(x.shape()));
            }
            DeviceArray var = empty(c);
            gpu.launch(CudaKernel.BATCH_NORM_STATS_F32, Launch.perRow(c, (int) Math.min(Integer.MAX_VALUE, perChannel)), x.address(),
                    mean.address(), var.address(), invStd.address(), n, c, s, eps);
            gpu.launch(CudaKernel.BATCH_NORM_UPDATE_RUNNING_F32, Launch.elementwise(c), runningMean.address(), runningVar.address(),
                    mean.address(), var.address(), c, momentum, (float) ((double) perChannel / (perChannel - 1)));
            free(var);
        } else {
            gpu.launch(CudaKernel.AFFINE_F32, Launch.elementwise(c), runningMean.address(), mean.address(), c, 1f, 0f);
            gpu.launch(CudaKernel.BATCH_NORM_INVSTD_F32, Launch.elementwise(c), runningVar.address(), invStd.address(), c, eps);
        }
        DeviceArray y = empty(x.shape());
        gpu.launch(CudaKernel.BATCH_NORM_FORWARD_F32, Launch.elementwise(x.numel()), x.address(), mean.address(), invStd.address(),
                weight.address(), bias.address(), y.address(), n, c, s);
        return new BatchNorm(y, mean, invStd);
    }

    /**
     * The gradients of {@link #batchNorm} from its input {@code x}, the output's gradient {@code gy} and what the forward
     * kept. {@code training} must be the forward's mode: in training the input gradient flows through the batch
     * statistics too.
     */
    public BatchNormGrads batchNormBackward(DeviceArray x, DeviceArray gy, DeviceArray weight, BatchNorm saved, boolean training) {
        sameShape("batch_norm backward", x, gy);
        int[] ncs = batchNormShape("batch_norm backward", x, weight, saved.mean(), saved.invStd());
        int n = ncs[0], c = ncs[1], s = ncs[2];
        DeviceArray gw = empty(c);
        DeviceArray gb = empty(c);
        gpu.launch(CudaKernel.BATCH_NORM_BACKWARD_SUMS_F32, Launch.perRow(c, (int) Math.min(Integer.MAX_VALUE, (long) n * s)),
                gy.address(), x.address(), saved.mean().address(), saved.invStd().address(), gb.address(), gw.address(), n, c, s);
        DeviceArray gx = empty(x.shape());
        gpu.launch(CudaKernel.BATCH_NORM_BACKWARD_INPUT_F32, Launch.elementwise(x.numel()), gy.address(), x.address(),
                saved.mean().address(), saved.invStd().address(), weight.address(), gb.address(), gw.address(), gx.address(), n, c, s,
                training ? 1 : 0);
        return new BatchNormGrads(gx, gw, gb);
    }

    /** {@code {n, c, s}} of a batch-norm input {@code [N, C, ...]}; every per-channel array must be {@code [C]}. */
    private static int[] batchNormShape(String op, DeviceArray x, DeviceArray... perChannel) {
        if (x.dim() < 2) {
            throw new IllegalArgumentException(op + ": expected an input [N, C] or [N, C, H, W], got shape " + Arrays.toString(x.shape()));
        }
        int c = x.size(1);
        int s = 1;
        for (int d = 2; d < x.dim(); d++) {
            s *= x.size(d);
        }
        for (DeviceArray a : perChannel) {
            if (a.dim() != 1 || a.size(0) != c) {
                throw new IllegalArgumentException(op + ": per-channel arrays must have shape [" + c + "] for input shape "
                        + Arrays.toString(x.shape()) + ", got " + Arrays.toString(a.shape()));
            }
        }
        return new int[] {x.size(0), c, s};
    }

    // ---- checks

    private static void sameShape(String op, DeviceArray a, DeviceArray b) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException(op + ": shapes " + Arrays.toString(a.shape()) + " and "
                    + Arrays.toString(b.shape()) + " differ");
        }
    }

    private static void need2d(String op, DeviceArray a) {
        if (a.dim() != 2) {
            throw new IllegalArgumentException(op + ": expected a 2-D array, got shape " + Arrays.toString(a.shape()));
        }
    }

    private static Object[] concat(Object[]... parts) {
        int n = 0;
        for (Object[] p : parts) {
            n += p.length;
        }
        Object[] all = new Object[n];
        int at = 0;
        for (Object[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
