package io.sparkgrad.nn;

import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.GradFn;
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
        Tensor y = x.dim() == 2 ? x.matmul(weight.t()) : x.reshape(-1, x.size(-1)).matmul(weight.t());
        if (bias != null) {
            y = y.add(bias);
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
        return Losses.nllLoss(Losses.logSoftmax(logits, 1), target, reduction);
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
