package io.sparkgrad.job;

import io.sparkgrad.trainer.EpochStats;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a finished job reports; {@link #resultLine()} is its last console line.
 *
 * @param testAccuracy fraction of the test set classified correctly
 * @param testLoss     mean cross-entropy over the test set
 * @param epochs       epochs trained
 * @param seconds      wall time of the whole job
 * @param output       the output folder (an absolute local path or a URI)
 * @param confusion    the test confusion matrix
 * @param history      one entry per epoch
 */
public record JobResult(double testAccuracy, double testLoss, int epochs, double seconds, String output, ConfusionMatrix confusion,
                        List<EpochStats> history) {

    /** The machine-readable line: {@code RESULT test_accuracy=<x> test_loss=<x> epochs=<n> seconds=<s> output=<folder>}. */
    public static final Pattern RESULT_LINE = Pattern.compile(
            "RESULT test_accuracy=(\\d+\\.\\d{4}) test_loss=(\\d+\\.\\d{4}|NaN) epochs=(\\d+) seconds=(\\d+\\.\\d) output=(.+)");

    public JobResult {
        history = List.copyOf(history);
    }

    /** {@code RESULT test_accuracy=0.9901 test_loss=0.0301 epochs=3 seconds=181.2 output=/home/me/runs/mnist-...}. */
    public String resultLine() {
        return String.format(Locale.ROOT, "RESULT test_accuracy=%.4f test_loss=%.4f epochs=%d seconds=%.1f output=%s",
                testAccuracy, testLoss, epochs, seconds, output);
    }

    /** The fields of a RESULT line, or an error saying how the line is malformed. */
    public static Matcher parse(String line) {
        Matcher m = RESULT_LINE.matcher(line);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a RESULT line: " + line);
        }
        return m;
    }
}
