package io.sparkgrad.job;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Counts of (true class, predicted class) pairs over a labelled data set: {@code counts[actual * classes +
 * predicted]}. The diagonal holds the correctly classified samples.
 *
 * @param classes number of classes (10 for MNIST)
 * @param counts  {@code classes * classes} counts, row-major by true class
 */
public record ConfusionMatrix(int classes, long[] counts) implements Serializable {

    public ConfusionMatrix {
        if (classes <= 0 || counts.length != classes * classes) {
            throw new IllegalArgumentException("a confusion matrix of " + classes + " classes needs " + classes * classes
                    + " counts, got " + counts.length);
        }
        counts = counts.clone();
    }

    /** An empty matrix. */
    public static ConfusionMatrix empty(int classes) {
        return new ConfusionMatrix(classes, new long[classes * classes]);
    }

    /** Samples of class {@code actual} predicted as {@code predicted}. */
    public long count(int actual, int predicted) {
        return counts[actual * classes + predicted];
    }

    /** All samples counted. */
    public long total() {
        long n = 0;
        for (long c : counts) {
            n += c;
        }
        return n;
    }

    /** Samples on the diagonal. */
    public long correct() {
        long n = 0;
        for (int i = 0; i < classes; i++) {
            n += counts[i * classes + i];
        }
        return n;
    }

    /** Samples of class {@code actual}. */
    public long rowTotal(int actual) {
        long n = 0;
        for (int p = 0; p < classes; p++) {
            n += counts[actual * classes + p];
        }
        return n;
    }

    /** {@link #correct()} / {@link #total()}, NaN when empty. */
    public double accuracy() {
        long n = total();
        return n == 0 ? Double.NaN : (double) correct() / n;
    }

    /** The element-wise sum. */
    public ConfusionMatrix plus(ConfusionMatrix other) {
        if (other.classes != classes) {
            throw new IllegalArgumentException("cannot add confusion matrices of " + classes + " and " + other.classes + " classes");
        }
        long[] sum = counts.clone();
        for (int i = 0; i < sum.length; i++) {
            sum[i] += other.counts[i];
        }
        return new ConfusionMatrix(classes, sum);
    }

    @Override
    public long[] counts() {
        return counts.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConfusionMatrix m && m.classes == classes && Arrays.equals(m.counts, counts);
    }

    @Override
    public int hashCode() {
        return 31 * classes + Arrays.hashCode(counts);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("ConfusionMatrix[");
        for (int a = 0; a < classes; a++) {
            sb.append(a == 0 ? "" : "; ");
            for (int p = 0; p < classes; p++) {
                sb.append(p == 0 ? "" : " ").append(count(a, p));
            }
        }
        return sb.append(']').toString();
    }
}
