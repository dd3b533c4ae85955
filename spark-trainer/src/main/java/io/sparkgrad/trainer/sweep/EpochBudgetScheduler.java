package io.sparkgrad.trainer.sweep;

/**
 * What every {@link TrialScheduler} shares: an epoch budget of at least 1, and a trial that has trained it completes.
 * A scheduler only says how far a trial trains before it reports, and what happens to a report below the budget.
 */
abstract class EpochBudgetScheduler implements TrialScheduler {
    private final int maxEpochs;

    EpochBudgetScheduler(int maxEpochs) {
        if (maxEpochs < 1) {
            throw new SweepConfigException("maxEpochs must be at least 1, got " + maxEpochs);
        }
        this.maxEpochs = maxEpochs;
    }

    @Override
    public final int maxEpochs() {
        return maxEpochs;
    }

    @Override
    public final Action onMilestone(int trial, double[] history) {
        record(trial, history);
        return history.length >= maxEpochs ? Action.COMPLETE : decide(trial, history);
    }

    /** Takes note of every report, final ones included, before it is decided; by default nothing. */
    void record(int trial, double[] history) {
    }

    /** What a trial that reports {@code history}, shorter than {@link #maxEpochs()}, does next. */
    abstract Action decide(int trial, double[] history);
}
