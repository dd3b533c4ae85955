package io.sparkgrad.trainer;

/**
 * What a replica reports for a set of samples: the loss summed over the samples, how many it classified
 * correctly and how many samples there were. Sums, not means, so that contributions of several workers add
 * up to exactly what one process would report for the union of their samples.
 *
 * @param lossSum loss summed over the samples (not averaged)
 * @param correct samples whose predicted class equals the label
 * @param count   number of samples
 */
public record StepStats(double lossSum, long correct, long count) {

    /** No samples. */
    public static final StepStats ZERO = new StepStats(0.0, 0, 0);

    public StepStats {
        if (correct < 0 || count < 0 || correct > count) {
            throw new IllegalArgumentException("step stats need 0 <= correct <= count, got correct=" + correct + " count=" + count);
        }
    }

    /** The element-wise sum of this and {@code other}. */
    public StepStats plus(StepStats other) {
        return new StepStats(lossSum + other.lossSum, correct + other.correct, count + other.count);
    }

    /** Mean loss per sample, NaN for no samples. */
    public double meanLoss() {
        return count == 0 ? Double.NaN : lossSum / count;
    }

    /** Fraction of samples classified correctly, NaN for no samples. */
    public double accuracy() {
        return count == 0 ? Double.NaN : (double) correct / count;
    }
}
