package io.sparkgrad.nn;

import io.sparkgrad.kernel.BatchNorm2dKernel;
import io.sparkgrad.tensor.CudaFunctions;
import io.sparkgrad.tensor.GradFn;
import io.sparkgrad.tensor.Shape;
import io.sparkgrad.tensor.Tensor;

/**
 * Batch normalisation over the channel dimension 1 of an {@code [N, C, ...]} input, with its backward rule beside it
 * (through the batch statistics in training mode); loops in {@link BatchNorm2dKernel}, or the device's kernels
 * ({@link CudaFunctions#batchNorm}) for tensors on a CUDA device.
 */
final class BatchNormalization {
    private BatchNormalization() {
    }

    static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias, boolean training,
            float momentum, float eps) {
        boolean onCuda = CudaFunctions.onCuda("batch_norm", x, runningMean, runningVar, weight, bias);
        if (x.dim() < 2) {
            throw new IllegalArgumentException("batch_norm: expected an input [N, C, ...] with at least 2 dimensions, got "
                    + Shape.format(x.shape()));
        }
        int[] shape = x.shape();
        int n = shape[0];
        int c = shape[1];
        int s = 1;
        for (int i = 2; i < shape.length; i++) {
            s *= shape[i];
        }
        requireChannels(runningMean, c, "running_mean", shape);
        requireChannels(runningVar, c, "running_var", shape);
        requireChannels(weight, c, "weight", shape);
        requireChannels(bias, c, "bias", shape);
        if (!training && (runningMean == null || runningVar == null)) {
            throw new IllegalArgumentException("batch_norm: running_mean and running_var must be defined in evaluation mode");
        }
        if (eps <= 0f) {
            throw new IllegalArgumentException("batch_norm: eps must be positive, got " + eps);
        }
        long count = (long) n * s;
        if (training && count <= 1) {
            throw new IllegalArgumentException("Expected more than 1 value per channel when training, got input size "
                    + Shape.format(shape));
        }
        if (onCuda) {
            return CudaFunctions.batchNorm(x, runningMean, runningVar, weight, bias, training, momentum, eps);
        }
        Tensor xc = Dense.of(x, "batch_norm", "input");
        double[] mean = new double[c];
        double[] var = new double[c];
        if (training) {
            BatchNorm2dKernel.stats(n, c, s, xc.data(), xc.storageOffset(), mean, var);
            updateRunning(runningMean, runningVar, mean, var, momentum, count);
        } else {
            float[] rm = runningMean.toFloatArray();
            float[] rv = runningVar.toFloatArray();
            for (int ch = 0; ch < c; ch++) {
                mean[ch] = rm[ch];
                var[ch] = rv[ch];
            }
        }
        double[] invStd = new double[c];
        BatchNorm2dKernel.invStd(c, var, eps, invStd);
        Tensor wc = weight == null ? null : Dense.of(weight, "batch_norm", "weight");
        Tensor bc = bias == null ? null : Dense.of(bias, "batch_norm", "bias");
        float[] out = new float[xc.numel()];
        BatchNorm2dKernel.normalize(n, c, s, xc.data(), xc.storageOffset(), mean, invStd, wc == null ? null : wc.data(),
                wc == null ? 0 : wc.storageOffset(), bc == null ? null : bc.data(), bc == null ? 0 : bc.storageOffset(), out, 0);
        Tensor result = Tensor.of(out, shape);
        int fs = s;
        return GradFn.of("batch_norm", x, weight, bias).saving(weight == null ? new Tensor[] {x} : new Tensor[] {x, weight}).result(result, gradOut -> {
            Tensor go = Dense.of(gradOut, "batch_norm backward", "output gradient");
            double[] sumG = new double[c];
            double[] sumGXhat = new double[c];
            BatchNorm2dKernel.gradSums(n, c, fs, go.data(), go.storageOffset(), xc.data(), xc.storageOffset(), mean, invStd, sumG,
                    sumGXhat);
            Tensor gx = null;
            if (x.requiresGrad()) {
                float[] a = new float[xc.numel()];
                BatchNorm2dKernel.backwardInput(n, c, fs, training, go.data(), go.storageOffset(), xc.data(), xc.storageOffset(), mean,
                        invStd, wc == null ? null : wc.data(), wc == null ? 0 : wc.storageOffset(), sumG, sumGXhat, a, 0);
                gx = Tensor.of(a, shape);
            }
            Tensor gw = weight != null && weight.requiresGrad() ? Tensor.of(toFloats(sumGXhat), c) : null;
            Tensor gb = bias != null && bias.requiresGrad() ? Tensor.of(toFloats(sumG), c) : null;
            return new Tensor[] {gx, gw, gb};
        });
    }

    /** Updates the running statistics (buffers, never differentiated) in place, through the tensors. */
    private static void updateRunning(Tensor runningMean, Tensor runningVar, double[] mean, double[] var, float momentum, long count) {
        try (var ignored = Tensor.noGrad()) {
            float[] rm = runningMean == null ? null : runningMean.toFloatArray();
            float[] rv = runningVar == null ? null : runningVar.toFloatArray();
            BatchNorm2dKernel.updateRunning(mean.length, rm, 0, rv, 0, mean, var, momentum, count);
            if (rm != null) {
                runningMean.copy_(Tensor.of(rm, rm.length));
            }
            if (rv != null) {
                runningVar.copy_(Tensor.of(rv, rv.length));
            }
        }
    }

    private static void requireChannels(Tensor t, int c, String name, int[] inputShape) {
        if (t != null && (t.dim() != 1 || t.size(0) != c)) {
            throw new IllegalArgumentException("batch_norm: " + name + " should have shape [" + c + "] for input "
                    + Shape.format(inputShape) + " (C = " + c + "), but got " + Shape.format(t.shape()));
        }
    }

    private static float[] toFloats(double[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
    }
}
