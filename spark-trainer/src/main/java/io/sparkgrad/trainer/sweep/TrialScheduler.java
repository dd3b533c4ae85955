package io.sparkgrad.trainer.sweep;

/**
 * Driver-side early stopping: tells a trial how far to train before it reports, and what to do when it reports.
 *
 * <p>A trial trains from epoch {@code d} to {@link #nextMilestone(int) nextMilestone(d)} in one segment (one Spark
 * job), writes a checkpoint, and reports its objective history; {@link #onMilestone} then continues it (from that
 * checkpoint), stops it, or completes it at {@link #maxEpochs()}. Implementations are called from one driver thread
 * at a time and are deterministic functions of the sequence of reports, so a sweep resumed from its journal rebuilds
 * the same state by replaying the reports in journal order.
 */
public interface TrialScheduler {

    /** What a trial does after reporting. */
    enum Action {
        /** Train on to the next milestone (ASHA: promoted to the next rung). */
        CONTINUE,
        /** Stop early; its checkpoint is kept. */
        STOP,
        /** It has trained {@link #maxEpochs()}. */
        COMPLETE
    }

    /** The most epochs a trial trains. */
    int maxEpochs();

    /** The epoch count at which a trial that has trained {@code epochsDone} epochs reports next, at most {@link #maxEpochs()}. */
    int nextMilestone(int epochsDone);

    /**
     * A trial reports at a milestone.
     *
     * @param trial   the trial's id
     * @param history the objective after each epoch trained so far: {@code history[i]} after epoch {@code i + 1};
     *                its length is the milestone
     * @return what the trial does next
     */
    Action onMilestone(int trial, double[] history);
}
