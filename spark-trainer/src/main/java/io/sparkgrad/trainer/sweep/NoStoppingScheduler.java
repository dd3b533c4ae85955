package io.sparkgrad.trainer.sweep;

/** Every trial trains {@code maxEpochs} epochs in one segment. */
public final class NoStoppingScheduler implements TrialScheduler {
    private final int maxEpochs;

    public NoStoppingScheduler(int maxEpochs) {
        if (maxEpochs < 1) {
            throw new SweepConfigException("maxEpochs must be at least 1, got " + maxEpochs);
        }
        this.maxEpochs = maxEpochs;
    }

    @Override
    public int maxEpochs() {
        return maxEpochs;
    }

    @Override
    public int nextMilestone(int epochsDone) {
        return maxEpochs;
    }

    @Override
    public Action onMilestone(int trial, double[] history) {
        return history.length >= maxEpochs ? Action.COMPLETE : Action.CONTINUE;
    }
}
