package io.sparkgrad.examples.tutorial;

/**
 * What a tutorial stage measured.
 *
 * @param firstBatchLoss     loss of the untrained model on the first training batch
 * @param firstBatchAccuracy accuracy of the untrained model on the first training batch
 * @param validLoss          mean validation loss after training (over the 10,000 validation images)
 * @param validAccuracy      validation accuracy after training
 */
public record StageResult(double firstBatchLoss, double firstBatchAccuracy, double validLoss, double validAccuracy) {
}
