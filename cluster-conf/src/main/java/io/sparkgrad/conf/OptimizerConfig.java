package io.sparkgrad.conf;

import java.io.Serializable;
import java.util.List;

/**
 * The optimizer and its hyperparameters, with PyTorch's names and meanings.
 *
 * @param name        {@code sgd}, {@code adam} or {@code adamw}
 * @param lr          learning rate
 * @param momentum    SGD momentum factor
 * @param dampening   SGD dampening of the momentum
 * @param nesterov    SGD Nesterov momentum (needs momentum &gt; 0 and dampening 0)
 * @param weightDecay L2 penalty (SGD, Adam) or decoupled decay (AdamW)
 * @param betas       Adam's two running-average coefficients, each in [0, 1)
 * @param eps         Adam's denominator term
 * @param schedule    {@code constant}, or {@code cosine}: annealed from {@code lr} to {@code minLr} over the run
 * @param minLr       the learning rate a {@code cosine} schedule ends at
 */
public record OptimizerConfig(
        OptimizerName name,
        @Range(min = 0, minExclusive = true, max = 100) double lr,
        @Range(min = 0, max = 1, maxExclusive = true) double momentum,
        @Range(min = 0, max = 1) double dampening,
        boolean nesterov,
        @Range(min = 0, max = 1) double weightDecay,
        List<Double> betas,
        @Range(min = 0, minExclusive = true, max = 1) double eps,
        LrSchedule schedule,
        @Range(min = 0, max = 100) double minLr) implements Serializable {

    /** Copies {@code betas} so the record stays immutable. */
    public OptimizerConfig {
        betas = betas == null ? null : List.copyOf(betas);
    }
}
