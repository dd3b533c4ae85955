package io.sparkgrad.trainer.transport;

import io.sparkgrad.kernel.NonFinite;
import io.sparkgrad.trainer.StepStats;

/**
 * One step's total over all workers, as the transport hands it to the trainer.
 *
 * @param epoch           0-based epoch
 * @param stepInEpoch     0-based step within the epoch
 * @param globalStep      the run's 0-based step number
 * @param gradSum         sum over the global batch of per-sample gradients (owned by the transport; valid only
 *                        during {@link StepHandler#onStep})
 * @param nonFinite       where {@code gradSum} is NaN or infinite (the transport's sum looked as it added)
 * @param stats           summed loss, correct and sample counts of the global batch
 * @param maxComputeNanos the slowest worker's gradient computation time
 * @param cycleNanos      wall time since the previous step's sum was complete (so it holds the driver's update,
 *                        the transfers and the slowest worker's compute); -1 for an epoch's first step, whose cycle
 *                        includes launching the tasks
 */
public record AggregatedStep(int epoch, int stepInEpoch, long globalStep, float[] gradSum, NonFinite nonFinite,
                             StepStats stats, long maxComputeNanos, long cycleNanos) {

    /** Wall time of the step not spent computing gradients: transport, aggregation and the update; -1 if unknown. */
    public long overheadNanos() {
        return cycleNanos < 0 ? -1 : Math.max(0, cycleNanos - maxComputeNanos);
    }
}
