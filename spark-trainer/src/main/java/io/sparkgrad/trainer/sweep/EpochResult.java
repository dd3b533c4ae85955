package io.sparkgrad.trainer.sweep;

/**
 * One trained epoch of a trial.
 *
 * @param epoch       the epoch's number, from 1
 * @param trainLoss   mean training loss over the epoch's batches
 * @param valLoss     mean validation cross-entropy
 * @param valAccuracy validation accuracy in [0, 1]
 * @param seconds     wall time of the epoch's training and validation
 */
public record EpochResult(int epoch, double trainLoss, double valLoss, double valAccuracy, double seconds) {
}
