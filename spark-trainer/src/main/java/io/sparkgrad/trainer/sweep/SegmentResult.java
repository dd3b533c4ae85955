package io.sparkgrad.trainer.sweep;

import java.util.List;

/**
 * What one segment of a trial (its epochs from one milestone to the next, one Spark task) reports to the driver.
 *
 * @param trial      the trial's id
 * @param fromEpoch  epochs trained before the segment
 * @param epochs     the epochs the segment trained, in order (on failure, those finished before it)
 * @param checkpoint the checkpoint written at the segment's end (null on failure)
 * @param error      why the trial failed, or null
 * @param seconds    the segment's wall time in the task, data loading included
 */
public record SegmentResult(int trial, int fromEpoch, List<EpochResult> epochs, String checkpoint, String error, double seconds) {
    public SegmentResult {
        epochs = List.copyOf(epochs);
    }

    /** Whether the trial failed in this segment. */
    public boolean failed() {
        return error != null;
    }
}
