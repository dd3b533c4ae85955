package io.sparkgrad.optim.lr;

import io.sparkgrad.optim.Optimizer;

/**
 * Multiplies the learning rate by {@code gamma} every {@code stepSize} epochs, as {@code torch.optim.lr_scheduler.StepLR}:
 * {@code lr(epoch) = baseLr * gamma^floor(epoch / stepSize)}.
 */
public final class StepLR extends LRScheduler {
    private final int stepSize;
    private final double gamma;

    /**
     * @param stepSize the period, in calls to {@link #step()}, at least 1
     * @param gamma the multiplicative factor (PyTorch's default is 0.1), finite
     */
    public StepLR(Optimizer optimizer, int stepSize, double gamma) {
        super(optimizer);
        this.stepSize = atLeastOne("StepLR step_size", stepSize);
        this.gamma = finiteNotNegative("StepLR gamma", gamma);
    }

    public int stepSize() {
        return stepSize;
    }

    public double gamma() {
        return gamma;
    }

    @Override
    protected double chainedLr(int epoch, double currentLr) {
        return epoch % stepSize == 0 ? currentLr * gamma : currentLr;
    }

    @Override
    public double closedFormLr(int epoch) {
        return baseLr() * Math.pow(gamma, Math.floorDiv(epoch, stepSize));
    }
}
