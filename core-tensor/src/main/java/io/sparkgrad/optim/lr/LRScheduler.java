package io.sparkgrad.optim.lr;

import io.sparkgrad.optim.Optimizer;

/**
 * Adjusts an optimizer's learning rate each time {@link #step()} is called, as {@code torch.optim.lr_scheduler}.
 *
 * <p>A scheduler counts calls to {@link #step()} ({@link #lastEpoch()}, 0 right after construction); call it once
 * per epoch or once per optimizer step, and give periods such as {@code stepSize} or {@code tMax} in the same unit.
 * The base learning rate is the optimizer's lr at construction. Like PyTorch's default ("chainable") form, each step
 * computes the new lr from the optimizer's current lr, so a change made to the optimizer's lr in between carries
 * through; {@link #closedFormLr(int)} gives the closed form of the schedule from the base lr, which the chained
 * values follow up to rounding when nothing else touches the lr.
 */
public abstract class LRScheduler {
    private final Optimizer optimizer;
    private double baseLr;
    private int lastEpoch;
    private double lastLr;

    protected LRScheduler(Optimizer optimizer) {
        if (optimizer == null) {
            throw new IllegalArgumentException("a learning-rate scheduler needs an optimizer");
        }
        this.optimizer = optimizer;
        this.baseLr = optimizer.lr();
        this.lastLr = baseLr;
    }

    /** Advances the schedule by one epoch (or step) and sets the optimizer's learning rate. */
    public final void step() {
        int epoch = lastEpoch + 1;
        double lr = chainedLr(epoch, optimizer.lr());
        optimizer.setLr(lr);
        lastEpoch = epoch;
        lastLr = lr;
    }

    /**
     * PyTorch's {@code get_lr()}: the learning rate for {@code epoch} (at least 1) given the optimizer's current one,
     * which normally is the rate this scheduler set for {@code epoch - 1}.
     */
    protected abstract double chainedLr(int epoch, double currentLr);

    /** The schedule in closed form: the learning rate at {@code epoch} starting from {@link #baseLr()}. */
    public abstract double closedFormLr(int epoch);

    /** The learning rate this scheduler last set (the base lr before the first {@link #step()}). */
    public final double lastLr() {
        return lastLr;
    }

    /** How many times {@link #step()} has been called. */
    public final int lastEpoch() {
        return lastEpoch;
    }

    /** The optimizer's learning rate when this scheduler was made (PyTorch's {@code base_lrs}). */
    public final double baseLr() {
        return baseLr;
    }

    public final Optimizer optimizer() {
        return optimizer;
    }

    /** The scheduler's name as stored in its state. */
    public String name() {
        return getClass().getSimpleName();
    }

    /** The schedule's position, for a checkpoint (the optimizer's lr is in the optimizer's own state). */
    public final State stateDict() {
        return new State(name(), lastEpoch, baseLr, lastLr);
    }

    /** Restores the position saved by {@link #stateDict()}; the optimizer's lr is restored with the optimizer's state. */
    public final void loadStateDict(State state) {
        if (!state.scheduler().equals(name())) {
            throw new IllegalArgumentException("cannot load " + state.scheduler() + " state into this " + name() + " scheduler");
        }
        if (state.lastEpoch() < 0 || !Double.isFinite(state.baseLr()) || !Double.isFinite(state.lastLr())) {
            throw new IllegalArgumentException(name() + " state is invalid: " + state);
        }
        this.lastEpoch = state.lastEpoch();
        this.baseLr = state.baseLr();
        this.lastLr = state.lastLr();
    }

    /** A schedule's period (in calls to {@link #step()}), checked: {@code what} names it in the message. */
    protected static int atLeastOne(String what, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(what + " must be at least 1, got " + value);
        }
        return value;
    }

    /** A schedule's rate or factor, checked: {@code what} names it in the message. */
    protected static double finiteNotNegative(String what, double value) {
        if (!Double.isFinite(value) || value < 0) {
            throw new IllegalArgumentException(what + " must be finite and not negative, got " + value);
        }
        return value;
    }

    /** A scheduler's position: the number of steps taken, the base learning rate and the last one set. */
    public record State(String scheduler, int lastEpoch, double baseLr, double lastLr) {
    }
}
