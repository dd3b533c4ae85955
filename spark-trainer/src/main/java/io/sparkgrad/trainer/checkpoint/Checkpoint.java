package io.sparkgrad.trainer.checkpoint;

import io.sparkgrad.optim.OptimizerState;
import io.sparkgrad.trainer.EpochStats;

import java.util.List;
import java.util.Map;

/**
 * Everything the driver needs to continue a run exactly where it stopped.
 *
 * @param epoch       the epoch to continue (0-based)
 * @param stepInEpoch steps of that epoch already applied (0 at an epoch boundary)
 * @param globalStep  steps the run has taken in total
 * @param seed        the run seed
 * @param parameters  flat parameters
 * @param optimizer   the optimizer's state
 * @param partial     the epoch's running totals when the checkpoint is mid-epoch (zeros at a boundary)
 * @param history     the completed epochs
 * @param config      the run configuration that must match on resume
 */
public record Checkpoint(int epoch, int stepInEpoch, long globalStep, long seed, float[] parameters, OptimizerState optimizer,
                         EpochProgress partial, List<EpochStats> history, Map<String, Object> config) {

    /**
     * Running totals of an unfinished epoch.
     *
     * @param lossSum      loss summed over the applied steps' samples
     * @param correct      correctly classified samples of the applied steps
     * @param samples      samples of the applied steps
     * @param steps        steps run (applied and skipped)
     * @param skippedSteps steps skipped as non-finite
     * @param seconds      wall time spent on the epoch's steps so far
     */
    public record EpochProgress(double lossSum, long correct, long samples, int steps, int skippedSteps, double seconds) {
        /** Nothing done yet. */
        public static final EpochProgress NONE = new EpochProgress(0, 0, 0, 0, 0, 0);
    }
}
