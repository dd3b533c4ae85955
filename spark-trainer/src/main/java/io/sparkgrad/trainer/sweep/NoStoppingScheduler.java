package io.sparkgrad.trainer.sweep;

/** Every trial trains {@code maxEpochs} epochs in one segment. */
public final class NoStoppingScheduler extends EpochBudgetScheduler {

    public NoStoppingScheduler(int maxEpochs) {
        super(maxEpochs);
    }

    @Override
    public int nextMilestone(int epochsDone) {
        return maxEpochs();
    }

    @Override
    Action decide(int trial, double[] history) {
        return Action.CONTINUE;
    }
}
