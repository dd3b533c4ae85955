package io.sparkgrad.optim.lr;

import io.sparkgrad.optim.Optimizer;

/**
 * Cosine annealing from the base learning rate down to {@code etaMin} over {@code tMax} epochs, as
 * {@code torch.optim.lr_scheduler.CosineAnnealingLR} (without restarts; past {@code tMax} the cosine continues, so
 * the rate rises again with period {@code 2 * tMax}, as in PyTorch):
 *
 * <pre>
 *   lr(epoch) = etaMin + (baseLr - etaMin) * (1 + cos(pi * epoch / tMax)) / 2
 * </pre>
 *
 * Each step uses PyTorch's recursive form,
 * {@code lr = (1 + cos(pi*e/T)) / (1 + cos(pi*(e-1)/T)) * (lr - etaMin) + etaMin}, switching to
 * {@code lr + (baseLr - etaMin) * (1 - cos(pi/T)) / 2} where that ratio's denominator vanishes.
 */
public final class CosineAnnealingLR extends LRScheduler {
    private final int tMax;
    private final double etaMin;

    /**
     * @param tMax the number of calls to {@link #step()} from the base rate to {@code etaMin}, at least 1
     * @param etaMin the minimum learning rate (PyTorch's default is 0), finite and not negative
     */
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin) {
        super(optimizer);
        this.tMax = atLeastOne("CosineAnnealingLR T_max", tMax);
        this.etaMin = finiteNotNegative("CosineAnnealingLR eta_min", etaMin);
    }

    /** Anneals to 0 over {@code tMax} steps. */
    public CosineAnnealingLR(Optimizer optimizer, int tMax) {
        this(optimizer, tMax, 0);
    }

    public int tMax() {
        return tMax;
    }

    public double etaMin() {
        return etaMin;
    }

    @Override
    protected double chainedLr(int epoch, double currentLr) {
        if (Math.floorMod(epoch - 1 - tMax, 2 * tMax) == 0) {
            return currentLr + (baseLr() - etaMin) * (1 - Math.cos(Math.PI / tMax)) / 2;
        }
        return (1 + Math.cos(Math.PI * epoch / tMax)) / (1 + Math.cos(Math.PI * (epoch - 1) / tMax)) * (currentLr - etaMin) + etaMin;
    }

    @Override
    public double closedFormLr(int epoch) {
        return etaMin + (baseLr() - etaMin) * (1 + Math.cos(Math.PI * epoch / tMax)) / 2;
    }
}
