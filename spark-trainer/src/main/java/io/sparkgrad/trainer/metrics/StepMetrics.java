package io.sparkgrad.trainer.metrics;

/**
 * One applied (or skipped) training step as the driver saw it.
 *
 * @param epoch         0-based epoch
 * @param stepInEpoch   0-based step within the epoch
 * @param stepsInEpoch  steps per epoch
 * @param globalStep    the run's 0-based step number
 * @param loss          mean loss over the global batch
 * @param accuracy      fraction of the global batch classified correctly
 * @param samples       samples in the global batch
 * @param cycleMillis   wall time since the previous step's sum was complete; NaN for an epoch's first step
 * @param computeMillis the slowest worker's gradient computation time
 * @param skipped       true if the step was not applied because its loss or gradient was not finite
 */
public record StepMetrics(int epoch, int stepInEpoch, int stepsInEpoch, long globalStep, double loss, double accuracy,
                          long samples, double cycleMillis, double computeMillis, boolean skipped) {

    /** Step time not spent computing gradients (transport, aggregation, update); NaN when the cycle is unknown. */
    public double overheadMillis() {
        return Double.isNaN(cycleMillis) ? Double.NaN : Math.max(0, cycleMillis - computeMillis);
    }
}
