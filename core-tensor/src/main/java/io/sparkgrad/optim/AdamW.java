package io.sparkgrad.optim;

import io.sparkgrad.tensor.Tensor;
import java.util.List;

/**
 * Adam with decoupled weight decay, as {@code torch.optim.AdamW}: each step first shrinks the parameter,
 * {@code p = p * (1 - lr * weight_decay)}, and then applies Adam's update without any L2 term in the gradient (see
 * {@link Adam} for the rest of the rule). PyTorch's default weight decay here is 0.01.
 */
public final class AdamW extends Adam {

    /** AdamW with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
    public AdamW(List<? extends Tensor> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 1e-2);
    }

    public AdamW(List<? extends Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        this(params, lr, beta1, beta2, eps, weightDecay, false, false);
    }

    public AdamW(List<? extends Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad,
                 boolean maximize) {
        super(params, lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, true);
    }

    /** A builder starting from PyTorch's defaults (lr 0.001, betas (0.9, 0.999), eps 1e-8, weight decay 0.01). */
    public static Builder<AdamW> builder(List<? extends Tensor> params) {
        return new Builder<>(1e-2, b -> new AdamW(params, b.lr, b.beta1, b.beta2, b.eps, b.weightDecay, b.amsgrad, b.maximize));
    }

    @Override
    public String name() {
        return "AdamW";
    }
}
