package io.sparkgrad.trainer.sweep;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Median stopping (Golovin et al. 2017, Google Vizier; Ray Tune's {@code MedianStoppingRule}): after the grace
 * epochs, a trial reports every epoch, and stops when its best objective so far is worse than the median of the other
 * trials' running averages (the mean of their first {@code e} epochs' objectives) at the same epoch {@code e}, provided
 * at least {@code minTrials} other trials have reached it.
 */
public final class MedianStoppingScheduler extends EpochBudgetScheduler {
    private final Objective objective;
    private final int graceEpochs;
    private final int minTrials;
    /** Every trial's scores (larger is better) as reported so far. */
    private final Map<Integer, double[]> histories = new LinkedHashMap<>();

    public MedianStoppingScheduler(Objective objective, int maxEpochs, int graceEpochs, int minTrials) {
        super(maxEpochs);
        this.objective = objective;
        this.graceEpochs = graceEpochs;
        this.minTrials = minTrials;
    }

    @Override
    public int nextMilestone(int epochsDone) {
        return Math.min(maxEpochs(), Math.max(graceEpochs, epochsDone + 1));
    }

    /** Every report counts in the others' medians, a completed trial's too. */
    @Override
    void record(int trial, double[] history) {
        double[] scores = new double[history.length];
        for (int i = 0; i < history.length; i++) {
            scores[i] = Double.isNaN(history[i]) ? Double.NEGATIVE_INFINITY : objective.score(history[i]);
        }
        histories.put(trial, scores);
    }

    @Override
    Action decide(int trial, double[] history) {
        int epoch = history.length;
        double best = Double.NEGATIVE_INFINITY;
        for (double s : histories.get(trial)) {
            best = Math.max(best, s);
        }
        if (epoch < graceEpochs) {
            return Action.CONTINUE;
        }
        double[] averages = histories.entrySet().stream()
                .filter(e -> e.getKey() != trial && e.getValue().length >= epoch)
                .mapToDouble(e -> mean(e.getValue(), epoch)).sorted().toArray();
        if (averages.length < minTrials) {
            return Action.CONTINUE;
        }
        return best < median(averages) ? Action.STOP : Action.CONTINUE;
    }

    private static double mean(double[] v, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += v[i];
        }
        return s / n;
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
