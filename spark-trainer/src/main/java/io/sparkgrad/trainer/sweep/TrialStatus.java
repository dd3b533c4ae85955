package io.sparkgrad.trainer.sweep;

import java.util.Locale;

/** Where a trial stands. The trials table uses the lower-case names of the last three. */
public enum TrialStatus {
    /** Proposed, or paused at a milestone and waiting for a slot to continue. */
    PENDING,
    /** A segment is training. */
    RUNNING,
    /** Trained to the scheduler's maxEpochs. */
    COMPLETED,
    /** Stopped early by the scheduler. */
    STOPPED,
    /** Failed deterministically (its error is kept). */
    FAILED;

    /** The table's name: {@code completed}, {@code stopped}, ... */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the trial will train no more. */
    public boolean finished() {
        return this == COMPLETED || this == STOPPED || this == FAILED;
    }
}
