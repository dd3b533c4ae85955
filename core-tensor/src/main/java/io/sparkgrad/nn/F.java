package io.sparkgrad.nn;

import io.sparkgrad.tensor.CudaFunctions;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.GradFn;
import io.sparkgrad.tensor.Intermediates;
import io.sparkgrad.tensor.Shape;
import io.sparkgrad.tensor.Tensor;

/**
 * The functional API, PyTorch's {@code torch.nn.functional} (the tutorial's {@code F}): stateless ops that modules
 * call from their {@code forward}. Shapes follow PyTorch: images are NCHW, a Linear weight is {@code [out, in]}.
 */
public final class F {
    private F() {
    }

    /** {@code max(x, 0)} elementwise. */
    public static Tensor relu(Tensor x) {
        return x.relu();
    }

    public static Tensor sigmoid(Tensor x) {
        return x.sigmoid();
    }

    public static Tensor tanh(Tensor x) {
        return x.tanh();
    }

    /** {@code x > 0 ? x : negativeSlope * x} elementwise, as PyTorch's {@code F.leaky_relu}. */
    public static Tensor leakyRelu(Tensor x, float negativeSlope) {
        return Activations.leakyRelu(x, negativeSlope);
    }

    /** {@code x * Phi(x)} elementwise, {@code Phi} the standard normal CDF: PyTorch's exact {@code F.gelu}. */
    public static Tensor gelu(Tensor x) {
        return Activations.gelu(x);
    }

    /**
     * {@code x @ weight^T + bias}.
     *
     * <p>Shape: x {@code [N, in]}, weight {@code [out, in]}, bias {@code [out]} or null; result {@code [N, out]}.
     */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        if (x.dim() < 1 || weight.dim() != 2 || x.size(-1) != weight.size(1)) {
            throw new IllegalArgumentException("mat1 and mat2 shapes cannot be multiplied (" + formatRows(x) + " and "
                    + weight.size(1) + "x" + weight.size(0) + "); linear expects input [..., " + (weight.dim() == 2 ? weight.size(1) : "in")
                    + "] for weight " + Shape.format(weight.shape()));
        }
        Tensor x2 = x.dim() == 2 ? x : x.reshape(-1, x.size(-1));
        Tensor y;
        if (bias == null || (bias.dim() == 1 && bias.size(0) == weight.size(0))) {
            y = FullyConnected.linear(x2, weight, bias);
        } else {
            // A bias of another shape that broadcasts (PyTorch accepts that too): the general ops.
            y = x2.matmul(weight.t()).add(bias);
        }
        if (x.dim() != 2) {
            int[] shape = x.shape();
            shape[shape.length - 1] = weight.size(0);
            y = y.reshape(shape);
        }
        return y;
    }

    private static String formatRows(Tensor x) {
        int cols = x.dim() == 0 ? 1 : x.size(-1);
        int rows = x.dim() == 0 ? 1 : x.numel() / Math.max(cols, 1);
        return rows + "x" + cols;
    }

    /** Log of softmax over {@code dim}, computed stably. */
    public static Tensor logSoftmax(Tensor x, int dim) {
        return Losses.logSoftmax(x, dim);
    }

    /** Softmax over {@code dim}. */
    public static Tensor softmax(Tensor x, int dim) {
        return Losses.logSoftmax(x, dim).exp();
    }

    /** Negative log-likelihood, mean over the batch. Shape: logp {@code [N, C]}, target INT32 {@code [N]}. */
    public static Tensor nllLoss(Tensor logp, Tensor target) {
        return Losses.nllLoss(logp, target, Reduction.MEAN);
    }

    public static Tensor nllLoss(Tensor logp, Tensor target, Reduction reduction) {
        return Losses.nllLoss(logp, target, reduction);
    }

    /** {@code nllLoss(logSoftmax(logits, 1), target)}, mean over the batch. */
    public static Tensor crossEntropy(Tensor logits, Tensor target) {
        return crossEntropy(logits, target, Reduction.MEAN);
    }

    public static Tensor crossEntropy(Tensor logits, Tensor target, Reduction reduction) {
        if (logits.dim() != 2) {
            throw new IllegalArgumentException("cross_entropy expects logits [N, C], got " + Shape.format(logits.shape()));
        }
        Tensor logp = Losses.logSoftmax(logits, 1);
        Tensor loss = Losses.nllLoss(logp, target, reduction);
        // No caller sees logp: its memory is reused once nothing can read it.
        Intermediates.consumed(logp, loss);
        return loss;
    }

    /** Mean squared error. */
    public static Tensor mseLoss(Tensor input, Tensor target) {
        return Losses.mseLoss(input, target, Reduction.MEAN);
    }

    public static Tensor mseLoss(Tensor input, Tensor target, Reduction reduction) {
        return Losses.mseLoss(input, target, reduction);
    }

    /** Fraction of rows whose argmax equals the target, as the tutorial's {@code accuracy}. */
    public static float accuracy(Tensor logits, Tensor target) {
        Tensor preds = logits.argmax(1);
        return preds.eq(target).mean().item();
    }

    // ------------------------------------------------------------------------------------------------ spatial

    /**
     * 2-D cross-correlation, as PyTorch's {@code F.conv2d}: zero padding on both sides, dilated kernels, grouped
     * channels ({@code groups} divides both channel counts; group {@code i} sees input channels
     * {@code [i*C/groups, (i+1)*C/groups)} and makes output channels {@code [i*O/groups, (i+1)*O/groups)}).
     *
     * <p>Shape: x {@code [N, C, H, W]} (or unbatched {@code [C, H, W]}), weight {@code [O, C/groups, kH, kW]}, bias
     * {@code [O]} or null; result {@code [N, O, oH, oW]} with {@code oH = floor((H + 2*pH - dH*(kH-1) - 1)/sH) + 1}.
     *
     * @param stride   {@code (sH, sW)}, or one value for both
     * @param padding  {@code (pH, pW)}, or one value for both
     * @param dilation {@code (dH, dW)}, or one value for both
     */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return Convolution.conv2d(x, weight, bias, stride, padding, dilation, groups);
    }

    /** {@link #conv2d(Tensor, Tensor, Tensor, int[], int[], int[], int)} with the same value for height and width. */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding, int dilation, int groups) {
        return Convolution.conv2d(x, weight, bias, new int[] {stride}, new int[] {padding}, new int[] {dilation}, groups);
    }

    /** Convolution with dilation 1 and one group. */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding) {
        return conv2d(x, weight, bias, stride, padding, 1, 1);
    }

    /** Convolution with stride 1, no padding, dilation 1 and one group. */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias) {
        return conv2d(x, weight, bias, 1, 0, 1, 1);
    }

    /**
     * Maximum over each window, as PyTorch's {@code F.max_pool2d} with {@code ceil_mode=False}; padding is implicit
     * {@code -inf} (at most half the effective kernel). The gradient flows to the element that won each window.
     *
     * <p>Shape: x {@code [N, C, H, W]} (or {@code [C, H, W]}); result {@code [N, C, oH, oW]} with
     * {@code oH = floor((H + 2*pH - dH*(kH-1) - 1)/sH) + 1}.
     *
     * @param stride null or empty for the kernel size (PyTorch's default)
     */
    public static Tensor maxPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation) {
        return Pooling.maxPool2d(x, kernel, stride, padding, dilation);
    }

    /** {@link #maxPool2d(Tensor, int[], int[], int[], int[])} with the same value for height and width. */
    public static Tensor maxPool2d(Tensor x, int kernel, int stride, int padding, int dilation) {
        return Pooling.maxPool2d(x, new int[] {kernel}, new int[] {stride}, new int[] {padding}, new int[] {dilation});
    }

    /** Max pooling with stride = kernel, no padding, dilation 1. */
    public static Tensor maxPool2d(Tensor x, int kernel) {
        return maxPool2d(x, kernel, kernel, 0, 1);
    }

    /**
     * Mean over each window, as PyTorch's {@code F.avg_pool2d} with {@code ceil_mode=False} and
     * {@code count_include_pad=True} (zero padding counts in the divisor {@code kH*kW}); trailing rows and columns that
     * do not fill a window are dropped.
     *
     * <p>Shape: x {@code [N, C, H, W]} (or {@code [C, H, W]}); result {@code [N, C, oH, oW]} with
     * {@code oH = floor((H + 2*pH - kH)/sH) + 1}.
     *
     * @param stride null or empty for the kernel size (PyTorch's default)
     */
    public static Tensor avgPool2d(Tensor x, int[] kernel, int[] stride, int[] padding) {
        return Pooling.avgPool2d(x, kernel, stride, padding);
    }

    /** {@link #avgPool2d(Tensor, int[], int[], int[])} with the same value for height and width. */
    public static Tensor avgPool2d(Tensor x, int kernel, int stride, int padding) {
        return Pooling.avgPool2d(x, new int[] {kernel}, new int[] {stride}, new int[] {padding});
    }

    /** Average pooling with stride = kernel and no padding (the tutorial's {@code F.avg_pool2d(x, 4)}). */
    public static Tensor avgPool2d(Tensor x, int kernel) {
        return avgPool2d(x, kernel, kernel, 0);
    }

    /**
     * Average pooling to a fixed output size, as PyTorch's {@code F.adaptive_avg_pool2d}: output row {@code i} of
     * {@code outH} averages input rows {@code [floor(i*H/outH), ceil((i+1)*H/outH))} (windows may overlap), and
     * likewise for columns.
     *
     * <p>Shape: x {@code [N, C, H, W]} (or {@code [C, H, W]}); result {@code [N, C, outH, outW]}.
     */
    public static Tensor adaptiveAvgPool2d(Tensor x, int outH, int outW) {
        return Pooling.adaptiveAvgPool2d(x, outH, outW);
    }

    /** Adaptive average pooling to {@code size x size}. */
    public static Tensor adaptiveAvgPool2d(Tensor x, int size) {
        return Pooling.adaptiveAvgPool2d(x, size, size);
    }

    /**
     * Batch normalisation over channel dimension 1, as PyTorch's {@code F.batch_norm}.
     *
     * <p>Training: per channel, the mean {@code m} and biased variance {@code v} over every dimension but 1;
     * {@code out = (x - m) / sqrt(v + eps) * weight + bias}, differentiated through {@code m} and {@code v}; the running
     * statistics (when given) are updated in place: {@code running = (1 - momentum) * running + momentum * batch}, with
     * the unbiased variance {@code v * n/(n-1)}. Evaluation: {@code out = (x - runningMean) / sqrt(runningVar + eps) *
     * weight + bias}.
     *
     * <p>Shape: x {@code [N, C, ...]}; runningMean, runningVar, weight, bias {@code [C]}, each may be null (weight 1,
     * bias 0; running statistics are required in evaluation); result like x.
     */
    public static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias, boolean training,
            float momentum, float eps) {
        return BatchNormalization.batchNorm(x, runningMean, runningVar, weight, bias, training, momentum, eps);
    }

    /**
     * Flattens dimensions {@code startDim..endDim} (inclusive; negative counts from the end) into one, as
     * {@code torch.flatten}; a view when the input is contiguous.
     */
    public static Tensor flatten(Tensor x, int startDim, int endDim) {
        return x.flatten(startDim, endDim);
    }

    /** {@code torch.flatten(x)}: everything into one dimension. */
    public static Tensor flatten(Tensor x) {
        return x.flatten(0, -1);
    }

    /** {@link #dropout(Tensor, float, boolean, Generator)} drawing from {@link Generator#global()}. */
    public static Tensor dropout(Tensor x, float p, boolean training) {
        return dropout(x, p, training, Generator.global());
    }

    /**
     * Zeroes each element with probability {@code p} and scales the rest by {@code 1/(1-p)} in training; the identity
     * in evaluation.
     */
    public static Tensor dropout(Tensor x, float p, boolean training, Generator gen) {
        if (p < 0f || p > 1f) {
            throw new IllegalArgumentException("dropout probability has to be between 0 and 1, but got " + p);
        }
        if (!training || p == 0f) {
            return x;
        }
        if (CudaFunctions.onCuda("dropout", x)) {
            return CudaFunctions.dropout(x, p, gen);
        }
        float[] mask = new float[x.numel()];
        float keep = p == 1f ? 0f : 1f / (1f - p);
        for (int i = 0; i < mask.length; i++) {
            mask[i] = gen.nextFloat() < p ? 0f : keep;
        }
        Tensor m = Tensor.of(mask, x.shape());
        Tensor out = Tensor.of(x.toFloatArray(), x.shape()).mul(m);
        return GradFn.of("dropout", x).result(out.detach(), g -> new Tensor[] {g.mul(m)});
    }
}
