package io.sparkgrad.tensor;

import io.sparkgrad.cuda.CudaOps;
import io.sparkgrad.cuda.DeviceArray;
import io.sparkgrad.kernel.AdamKernel;

/**
 * The CUDA side of {@code nn.F} and of the optimizers' steps, for tensors on a CUDA device: each op records its graph
 * node with a backward rule that also runs on the device ({@link CudaOps}). {@code nn} and {@code optim} call these
 * after {@link #onCuda}; an op that has no CUDA implementation calls {@link #requireCpu}, a clear error naming the op
 * and the device (never a silent copy to the host).
 */
public final class CudaFunctions {
    private CudaFunctions() {
    }

    /**
     * True when the non-null {@code tensors} are on a CUDA device; false when they are on the CPU; an error naming both
     * devices when they are on two.
     */
    public static boolean onCuda(String op, Tensor... tensors) {
        return CudaTensors.backend(op, tensors) != null;
    }

    /** Fails, naming {@code op} and the device, when a tensor is on a CUDA device (the op runs on the CPU only). */
    public static void requireCpu(String op, Tensor... tensors) {
        CudaTensors.requireCpu(op, tensors);
    }

    private static DeviceArray arr(Tensor t) {
        return t == null ? null : CudaTensors.array(t);
    }

    /** {@code t}, which must be contiguous here: the {@code nn} ops take dense operands on the device. */
    private static Tensor dense(Tensor t, String op) {
        if (t != null && !t.isContiguous()) {
            throw new UnsupportedOperationException(op + " of a strided (non-contiguous) tensor on " + t.device()
                    + " has no CUDA implementation in this build; call contiguous() first");
        }
        return t;
    }

    /** Wraps a gradient, or gives it back at once when the input needs none. */
    private static Tensor gradient(CudaBackend b, DeviceArray g, Tensor input) {
        if (g == null) {
            return null;
        }
        if (input == null || !input.requiresGrad()) {
            b.ops().free(g);
            return null;
        }
        return b.wrap(g, DType.FLOAT32);
    }

    // ------------------------------------------------------------------------------------------------ layers

    /** {@code x @ w^T + bias}: x {@code [N, in]}, w {@code [out, in]}, bias {@code [out]} or null. */
    public static Tensor linear(Tensor x, Tensor w, Tensor bias) {
        CudaBackend b = CudaTensors.backend("linear", x, w, bias);
        dense(x, "linear");
        dense(w, "linear");
        dense(bias, "linear");
        Tensor y = b.wrap(b.ops().linear(arr(x), arr(w), arr(bias)), DType.FLOAT32);
        return GradFn.of("linear", x, w, bias).saving(x, w).result(y, g -> {
            Tensor gd = CudaTensors.dense(g);
            CudaOps.LinearGrads grads = b.ops().linearBackward(arr(x), arr(w), arr(gd), bias != null);
            CudaTensors.discard(gd, g);
            return new Tensor[] {gradient(b, grads.gx(), x), gradient(b, grads.gw(), w), gradient(b, grads.gb(), bias)};
        });
    }

    /** {@code conv2d} with one group and no dilation: x {@code [N, C, H, W]}, w {@code [O, C, kH, kW]}, bias {@code [O]}. */
    public static Tensor conv2d(Tensor x, Tensor w, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        CudaBackend b = CudaTensors.backend("conv2d", x, w, bias);
        if (groups != 1 || dilation[0] != 1 || dilation[1] != 1) {
            CudaTensors.requireCpu("conv2d with groups or dilation", x);
        }
        dense(x, "conv2d");
        dense(w, "conv2d");
        CudaOps.Window win = new CudaOps.Window(w.size(2), w.size(3), stride[0], stride[1], padding[0], padding[1]);
        Tensor y = b.wrap(b.ops().conv2d(arr(x), arr(w), arr(bias), win), DType.FLOAT32);
        return GradFn.of("conv2d", x, w, bias).saving(x, w).result(y, g -> {
            Tensor gd = CudaTensors.dense(g);
            CudaOps.ConvGrads grads = b.ops().conv2dBackward(arr(x), arr(w), arr(gd), win, bias != null);
            CudaTensors.discard(gd, g);
            return new Tensor[] {gradient(b, grads.gx(), x), gradient(b, grads.gw(), w), gradient(b, grads.gb(), bias)};
        });
    }

    /** Max pooling without dilation; x {@code [N, C, H, W]}; kernel, stride and padding as {@code (h, w)}. */
    public static Tensor maxPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation) {
        CudaBackend b = CudaTensors.backend("max_pool2d", x);
        if (dilation[0] != 1 || dilation[1] != 1) {
            CudaTensors.requireCpu("max_pool2d with dilation", x);
        }
        dense(x, "max_pool2d");
        CudaOps.Window win = new CudaOps.Window(kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1]);
        CudaOps.MaxPool pool = b.ops().maxPool2d(arr(x), win);
        Tensor y = b.wrap(pool.y(), DType.FLOAT32);
        // The winners' positions, as an INT32 tensor: given back with the graph (or at once without one).
        Tensor indices = b.wrap(pool.indices(), DType.INT32);
        int[] xShape = x.shape();
        Tensor out = GradFn.of("max_pool2d", x).result(y, g -> {
            Tensor gd = CudaTensors.dense(g);
            Tensor gx = b.wrap(b.ops().maxPool2dBackward(arr(gd), arr(indices), xShape, win), DType.FLOAT32);
            CudaTensors.discard(gd, g);
            return new Tensor[] {gx};
        });
        if (out.gradFn() == null) {
            GradBuffers.current().free(indices.storage());
        }
        return out;
    }

    /** Average pooling, padding counted in the divisor; x {@code [N, C, H, W]}. */
    public static Tensor avgPool2d(Tensor x, int[] kernel, int[] stride, int[] padding) {
        CudaBackend b = CudaTensors.backend("avg_pool2d", x);
        dense(x, "avg_pool2d");
        CudaOps.Window win = new CudaOps.Window(kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1]);
        Tensor y = b.wrap(b.ops().avgPool2d(arr(x), win), DType.FLOAT32);
        int[] xShape = x.shape();
        return GradFn.of("avg_pool2d", x).result(y, g -> {
            Tensor gd = CudaTensors.dense(g);
            Tensor gx = b.wrap(b.ops().avgPool2dBackward(arr(gd), xShape, win), DType.FLOAT32);
            CudaTensors.discard(gd, g);
            return new Tensor[] {gx};
        });
    }

    /**
     * Adaptive average pooling of x {@code [N, C, H, W]} to {@code [N, C, outH, outW]} with PyTorch's windows, which
     * overlap where the output size does not divide the input's (a dividing size is {@link #avgPool2d}'s).
     */
    public static Tensor adaptiveAvgPool2d(Tensor x, int outH, int outW) {
        CudaBackend b = CudaTensors.backend("adaptive_avg_pool2d", x);
        Tensor xs = CudaTensors.dense(x);
        Tensor y = b.wrap(b.ops().adaptiveAvgPool2d(arr(xs), outH, outW), DType.FLOAT32);
        CudaTensors.discard(xs, x);
        int[] xShape = x.shape();
        return GradFn.of("adaptive_avg_pool2d", x).result(y, g -> {
            Tensor gd = CudaTensors.dense(g);
            Tensor gx = b.wrap(b.ops().adaptiveAvgPool2dBackward(arr(gd), xShape), DType.FLOAT32);
            CudaTensors.discard(gd, g);
            return new Tensor[] {gx};
        });
    }

    // ------------------------------------------------------------------------------------------------ activations

    /** GELU, PyTorch's exact form {@code x * Phi(x)}; the backward reads the input. */
    public static Tensor gelu(Tensor x) {
        CudaBackend b = CudaTensors.backend("gelu", x);
        Tensor xs = CudaTensors.dense(x);
        Tensor y = b.wrap(b.ops().gelu(arr(xs)), x.shape(), DType.FLOAT32);
        return GradFn.of("gelu", x).saving(xs).result(y, g -> {
            Tensor gd = CudaTensors.dense(g);
            Tensor gx = b.wrap(b.ops().geluBackward(arr(xs), arr(gd)), x.shape(), DType.FLOAT32);
            CudaTensors.discard(gd, g);
            return new Tensor[] {gx};
        });
    }

    /** LeakyReLU: {@code x > 0 ? x : slope * x}; the backward reads the input. */
    public static Tensor leakyRelu(Tensor x, float slope) {
        CudaBackend b = CudaTensors.backend("leaky_relu", x);
        Tensor xs = CudaTensors.dense(x);
        Tensor y = b.wrap(b.ops().leakyRelu(arr(xs), slope), x.shape(), DType.FLOAT32);
        return GradFn.of("leaky_relu", x).saving(xs).result(y, g -> {
            Tensor gd = CudaTensors.dense(g);
            Tensor gx = b.wrap(b.ops().leakyReluBackward(arr(xs), arr(gd), slope), x.shape(), DType.FLOAT32);
            CudaTensors.discard(gd, g);
            return new Tensor[] {gx};
        });
    }

    /**
     * Batch norm over dimension 1 of {@code [N, C, ...]}, as {@code F.batchNorm}: training normalises with the batch's
     * statistics and folds them into {@code runningMean}/{@code runningVar} in place (on the device); evaluation
     * normalises with the running statistics. A missing weight or bias is ones or zeros; missing running statistics in
     * training are a scratch pair the statistics fold into and that is given back at once. The caller has checked the
     * shapes (as on the CPU).
     */
    public static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias, boolean training,
            float momentum, float eps) {
        CudaBackend b = CudaTensors.backend("batch_norm", x, runningMean, runningVar, weight, bias);
        int[] perChannel = {x.size(1)};
        // Updated in place through their device addresses: they must be the buffers themselves, not copies.
        dense(runningMean, "batch_norm");
        dense(runningVar, "batch_norm");
        Tensor xs = CudaTensors.dense(x);
        Tensor w = weight == null ? CudaTensors.full(b, 1f, perChannel) : CudaTensors.dense(weight);
        Tensor bs = bias == null ? CudaTensors.full(b, 0f, perChannel) : CudaTensors.dense(bias);
        Tensor rm = runningMean == null ? CudaTensors.full(b, 0f, perChannel) : runningMean;
        Tensor rv = runningVar == null ? CudaTensors.full(b, 1f, perChannel) : runningVar;
        CudaOps.BatchNorm r;
        try {
            r = b.ops().batchNorm(arr(xs), arr(w), arr(bs), arr(rm), arr(rv), training, momentum, eps);
        } finally {
            CudaTensors.discard(rm, runningMean);
            CudaTensors.discard(rv, runningVar);
            CudaTensors.discard(bs, bias);
        }
        if (training) {
            markModified(runningMean);
            markModified(runningVar);
        }
        Tensor y = b.wrap(r.y(), DType.FLOAT32);
        // The backward rule reads the statistics, never the output. Kept by the backward rule (the collector gives them back with the graph).
        Tensor mean = b.wrap(r.mean(), DType.FLOAT32);
        Tensor invStd = b.wrap(r.invStd(), DType.FLOAT32);
        Tensor out = GradFn.of("batch_norm", x, weight, bias).saving(weight == null ? new Tensor[] {x} : new Tensor[] {x, weight})
                .result(y, g -> {
                    Tensor gd = CudaTensors.dense(g);
                    CudaOps.BatchNormGrads grads = b.ops().batchNormBackward(arr(xs), arr(gd), arr(w),
                            new CudaOps.BatchNorm(null, arr(mean), arr(invStd)), training);
                    CudaTensors.discard(gd, g);
                    return new Tensor[] {gradient(b, grads.gx(), x), gradient(b, grads.gw(), weight), gradient(b, grads.gb(), bias)};
                });
        if (out.gradFn() == null) {
            GradBuffers.current().free(mean.storage());
            GradBuffers.current().free(invStd.storage());
            CudaTensors.discard(xs, x);
            CudaTensors.discard(w, weight);
        }
        return out;
    }

    private static void markModified(Tensor t) {
        if (t != null) {
            t.markModified();
        }
    }

    // ------------------------------------------------------------------------------------------------ losses

    /**
     * log_softmax over {@code dim}: the kernel takes the rows of a 2-D tensor, so any other case moves {@code dim} last,
     * flattens the rest into rows, and moves it back, all with differentiable device ops.
     */
    public static Tensor logSoftmax(Tensor x, int dim) {
        CudaBackend b = CudaTensors.backend("log_softmax", x);
        int rank = Math.max(1, x.dim());
        int d = Shape.wrapDim(dim, rank);
        if (x.dim() != 2 || d != 1) {
            Tensor moved = d == rank - 1 ? x : x.transpose(d, rank - 1);
            int[] movedShape = moved.shape();
            Tensor rows = logSoftmax(moved.reshape(-1, x.dim() == 0 ? 1 : x.size(d)), 1).reshape(movedShape);
            return d == rank - 1 ? rows : rows.transpose(d, rank - 1).contiguous();
        }
        Tensor xs = CudaTensors.dense(x);
        Tensor y = b.wrap(b.ops().softmax(arr(xs), true), DType.FLOAT32);
        CudaTensors.discard(xs, x);
        return GradFn.of("log_softmax", x).saving(y).result(y, g -> {
            Tensor gd = CudaTensors.dense(g);
            Tensor gx = b.wrap(b.ops().softmaxBackward(arr(y), arr(gd), true), DType.FLOAT32);
            CudaTensors.discard(gd, g);
            return new Tensor[] {gx};
        });
    }

    /**
     * Negative log-likelihood of INT32 {@code target [N]} under {@code logp [N, C]}: a mean, a sum or per sample. A
     * target out of {@code [0, C)} gives NaN (the device does not stop to check; the CPU throws).
     *
     * @param reduction 0 none, 1 mean, 2 sum
     */
    public static Tensor nllLoss(Tensor logp, Tensor target, int reduction) {
        CudaBackend b = CudaTensors.backend("nll_loss", logp, target);
        if (target.dtype() != DType.INT32) {
            throw new IllegalArgumentException("nll_loss expects an INT32 target, got " + target.dtype());
        }
        Tensor lp = CudaTensors.dense(logp);
        Tensor t = CudaTensors.dense(target);
        int n = logp.size(0);
        int c = logp.size(1);
        Tensor losses = b.wrap(b.ops().nllLoss(arr(lp), arr(t)), DType.FLOAT32);
        CudaTensors.discard(lp, logp);
        Tensor result = losses;
        if (reduction != 0) {
            result = CudaTensors.sumAll(b, losses);
            GradBuffers.current().free(losses.storage());
        }
        if (reduction == 1) {
            Tensor sum = result;
            result = CudaTensors.affine(b, sum, 1f / n, 0f);
            GradBuffers.current().free(sum.storage());
        }
        return GradFn.of("nll_loss", logp).result(result, g -> {
            Tensor gd = CudaTensors.dense(g);
            Tensor gx = b.wrap(b.ops().nllBackward(arr(t), arr(gd), n, c, reduction == 0, reduction == 1 ? n : 1),
                    DType.FLOAT32);
            CudaTensors.discard(gd, g);
            return new Tensor[] {gx};
        });
    }

    // ------------------------------------------------------------------------------------------------ dropout

    /** Inverted dropout with a mask drawn on the device from a seed that {@code gen} gives. */
    public static Tensor dropout(Tensor x, float p, Generator gen) {
        CudaBackend b = CudaTensors.backend("dropout", x);
        if (p == 1f) {
            return x.mul(0f);
        }
        Tensor xs = CudaTensors.dense(x);
        CudaOps.Dropout d = b.ops().dropout(arr(xs), p, (int) gen.nextLong());
        CudaTensors.discard(xs, x);
        Tensor y = b.wrap(d.y(), x.shape(), DType.FLOAT32);
        Tensor mask = b.wrap(d.mask(), x.shape(), DType.FLOAT32);
        Tensor out = GradFn.of("dropout", x).result(y, g -> new Tensor[] {g.mul(mask)});
        if (out.gradFn() == null) {
            GradBuffers.current().free(mask.storage());
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ optimizers

    /** One SGD step of a contiguous parameter on the device ({@code buffer} its momentum buffer, unused without momentum). */
    public static void sgdStep(Tensor p, Tensor g, Tensor buffer, float lr, float momentum, float dampening, float weightDecay,
            boolean nesterov, boolean firstStep) {
        CudaBackend b = CudaTensors.backend("sgd step", p, g, buffer);
        Tensor gd = CudaTensors.dense(g);
        b.ops().sgdStep(arr(dense(p, "sgd step")), arr(gd), arr(buffer), lr, momentum, dampening, weightDecay, nesterov, firstStep);
        CudaTensors.discard(gd, g);
        p.markModified();
    }

    /**
     * One Adam or AdamW step of a contiguous parameter on the device; {@code maxExpAvgSq} is amsgrad's running maximum
     * of {@code expAvgSq}, or null without amsgrad.
     */
    public static void adamStep(Tensor p, Tensor g, Tensor expAvg, Tensor expAvgSq, Tensor maxExpAvgSq, AdamKernel.Step step) {
        CudaBackend b = CudaTensors.backend("adam step", p, g, expAvg, expAvgSq, maxExpAvgSq);
        Tensor gd = CudaTensors.dense(g);
        if (maxExpAvgSq == null) {
            b.ops().adamStep(arr(dense(p, "adam step")), arr(gd), arr(expAvg), arr(expAvgSq), step);
        } else {
            b.ops().adamAmsgradStep(arr(dense(p, "adam step")), arr(gd), arr(expAvg), arr(expAvgSq), arr(maxExpAvgSq), step);
        }
        CudaTensors.discard(gd, g);
        p.markModified();
    }
}
