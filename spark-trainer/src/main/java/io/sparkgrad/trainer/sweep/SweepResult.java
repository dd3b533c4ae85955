package io.sparkgrad.trainer.sweep;

import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A finished sweep.
 *
 * @param trials        every trial, by id
 * @param objective     what was optimised
 * @param best          the best trial (by its objective at its last epoch, failed trials excluded), or null if none
 * @param epochsTrained epochs trained by all trials, over all runs of the sweep (resumes included)
 * @param epochsNow     epochs trained by this run (0 for a resumed sweep that had finished)
 * @param seconds       this run's wall time
 * @param trainSeconds  this run's wall time until its last trial finished (without writing the results)
 * @param output        the output folder
 * @param table         the trials table (as written to {@code trials.parquet} and {@code trials.csv})
 */
public record SweepResult(List<Trial> trials, Objective objective, Trial best, int epochsTrained, int epochsNow, double seconds,
                          double trainSeconds, String output, Dataset<Row> table) {

    public SweepResult {
        trials = List.copyOf(trials);
    }

    /** How many trials ended with {@code status}. */
    public long count(TrialStatus status) {
        return trials.stream().filter(t -> t.status() == status).count();
    }

    /** The best trial's objective, NaN if there is none. */
    public double bestValue() {
        return best == null ? Double.NaN : best.last(objective);
    }

    /**
     * The machine-readable last line:
     * {@code RESULT sweep trials=<n> completed=<n> stopped=<n> failed=<n> epochs_trained=<n> best_trial=<id>
     * best_<metric>=<x> seconds=<s> output=<folder>} ({@code best_trial=none} when every trial failed).
     */
    public String resultLine() {
        return String.format(Locale.ROOT, "RESULT sweep trials=%d completed=%d stopped=%d failed=%d epochs_trained=%d best_trial=%s best_%s=%.4f seconds=%.1f output=%s",
                trials.size(), count(TrialStatus.COMPLETED), count(TrialStatus.STOPPED), count(TrialStatus.FAILED), epochsTrained,
                best == null ? "none" : Integer.toString(best.id()), objective.metric(), bestValue(), seconds, output);
    }
}
