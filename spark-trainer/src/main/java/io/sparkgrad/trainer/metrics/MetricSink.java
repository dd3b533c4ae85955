package io.sparkgrad.trainer.metrics;

import io.sparkgrad.trainer.EpochStats;

/**
 * Receives a run's progress on the driver. Calls come from the thread that runs {@code fit}, between steps, so a
 * slow sink slows training: keep them cheap.
 */
public interface MetricSink extends AutoCloseable {

    /** The run starts (or resumes). */
    default void onStart(RunInfo info) {
    }

    /** An epoch starts; {@code firstStep} is 0 unless the run resumed mid-epoch. */
    default void onEpochStart(int epoch, int epochs, int firstStep, int steps) {
    }

    /** A step was applied or skipped. */
    default void onStep(StepMetrics step) {
    }

    /** An epoch ended, validation included. */
    default void onEpochEnd(EpochStats stats) {
    }

    /** The run ended (normally or not); release files. */
    @Override
    default void close() {
    }
}
