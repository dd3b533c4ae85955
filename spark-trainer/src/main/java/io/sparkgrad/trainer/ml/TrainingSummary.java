package io.sparkgrad.trainer.ml;

import io.sparkgrad.trainer.EpochStats;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;

/**
 * What a {@link SparkgradClassificationModel}'s training run reported, one entry per epoch (index 0 is the first
 * epoch). Validation values are NaN when the run had no validation rows.
 *
 * @param trainingLoss       mean training loss of each epoch's steps
 * @param trainingAccuracy   training accuracy of each epoch's steps
 * @param validationLoss     mean loss over the validation rows after each epoch
 * @param validationAccuracy accuracy over the validation rows after each epoch
 * @param seconds            wall time of each epoch's training steps
 */
public record TrainingSummary(double[] trainingLoss, double[] trainingAccuracy, double[] validationLoss,
                              double[] validationAccuracy, double[] seconds) implements Serializable {

    public TrainingSummary {
        int n = trainingLoss.length;
        if (trainingAccuracy.length != n || validationLoss.length != n || validationAccuracy.length != n || seconds.length != n) {
            throw new IllegalArgumentException("a training summary needs one value per epoch in every series");
        }
        trainingLoss = trainingLoss.clone();
        trainingAccuracy = trainingAccuracy.clone();
        validationLoss = validationLoss.clone();
        validationAccuracy = validationAccuracy.clone();
        seconds = seconds.clone();
    }

    /** The summary of a trainer's epoch history. */
    public static TrainingSummary of(List<EpochStats> history) {
        int n = history.size();
        double[] tl = new double[n];
        double[] ta = new double[n];
        double[] vl = new double[n];
        double[] va = new double[n];
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            EpochStats e = history.get(i);
            tl[i] = e.trainLoss();
            ta[i] = e.trainAccuracy();
            vl[i] = e.validationLoss();
            va[i] = e.validationAccuracy();
            s[i] = e.seconds();
        }
        return new TrainingSummary(tl, ta, vl, va, s);
    }

    /** The number of epochs. */
    public int epochs() {
        return trainingLoss.length;
    }

    @Override
    public double[] trainingLoss() {
        return trainingLoss.clone();
    }

    @Override
    public double[] trainingAccuracy() {
        return trainingAccuracy.clone();
    }

    @Override
    public double[] validationLoss() {
        return validationLoss.clone();
    }

    @Override
    public double[] validationAccuracy() {
        return validationAccuracy.clone();
    }

    @Override
    public double[] seconds() {
        return seconds.clone();
    }

    /** Equal when every series holds the same values (arrays compared by content, NaN equal to NaN). */
    @Override
    public boolean equals(Object o) {
        return o instanceof TrainingSummary t && Arrays.equals(trainingLoss, t.trainingLoss) && Arrays.equals(trainingAccuracy, t.trainingAccuracy)
                && Arrays.equals(validationLoss, t.validationLoss) && Arrays.equals(validationAccuracy, t.validationAccuracy)
                && Arrays.equals(seconds, t.seconds);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(trainingLoss) * 31 + Arrays.hashCode(validationLoss);
    }

    @Override
    public String toString() {
        return "TrainingSummary[trainingLoss=" + Arrays.toString(trainingLoss) + ", trainingAccuracy=" + Arrays.toString(trainingAccuracy)
                + ", validationLoss=" + Arrays.toString(validationLoss) + ", validationAccuracy=" + Arrays.toString(validationAccuracy) + "]";
    }
}
