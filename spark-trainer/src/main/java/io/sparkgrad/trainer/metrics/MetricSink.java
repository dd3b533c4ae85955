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

    /**
     * The run is waiting, not training, and says for what: e.g. "waiting for 2 barrier slots" while Spark cannot yet
     * schedule its epoch's barrier gang because other runs hold the task slots. Repeated while the wait lasts.
     */
    default void onWaiting(int epoch, String message) {
    }

    /** An epoch ended, validation included. */
    default void onEpochEnd(EpochStats stats) {
    }

    /** The run ended (normally or not); release files. */
    @Override
    default void close() {
    }
}
