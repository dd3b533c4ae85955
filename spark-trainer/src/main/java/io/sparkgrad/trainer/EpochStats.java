package io.sparkgrad.trainer;

/**
 * One epoch of a run, as the history in {@link TrainingResult} and the metric sinks report it.
 *
 * @param epoch              0-based epoch
 * @param trainLoss          mean training loss over the epoch's applied steps
 * @param trainAccuracy      training accuracy over the epoch's applied steps
 * @param validationLoss     mean loss over the validation set (NaN without validation data)
 * @param validationAccuracy accuracy over the validation set (NaN without validation data)
 * @param steps              steps run in the epoch (applied plus skipped)
 * @param skippedSteps       steps skipped for a non-finite loss or gradient
 * @param trainSamples       training samples the epoch's steps consumed
 * @param seconds            wall time of the epoch's training steps (without validation)
 * @param samplesPerSecond   training throughput, {@code trainSamples / seconds}
 * @param validationSeconds  wall time of the validation pass
 * @param overheadP50Millis  median per-step overhead (step wall time minus the slowest worker's compute)
 * @param overheadP95Millis  95th percentile of the per-step overhead
 */
public record EpochStats(int epoch, double trainLoss, double trainAccuracy, double validationLoss, double validationAccuracy,
                         int steps, int skippedSteps, long trainSamples, double seconds, double samplesPerSecond,
                         double validationSeconds, double overheadP50Millis, double overheadP95Millis) {
}
