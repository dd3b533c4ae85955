package io.sparkgrad.trainer.transport;

/**
 * One epoch (or the rest of one, after a resume) for a transport session to run.
 *
 * @param epoch          0-based epoch number
 * @param firstStep      first step of the epoch to run (0 unless resuming mid-epoch)
 * @param globalStepBase the run's step number of the epoch's step 0
 * @param jobGroup       the Spark job group the trainer set for this epoch (a transport may cancel it)
 * @param description    human-readable description of the epoch for the Spark UI
 */
public record EpochSpec(int epoch, int firstStep, long globalStepBase, String jobGroup, String description) {
}
