package io.sparkgrad.trainer.sweep;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Median stopping (Golovin et al. 2017, Google Vizier; Ray Tune's {@code MedianStoppingRule}): after the grace
 * epochs, a trial reports every epoch, and stops when its best objective so far is worse than the median of the other
 * trials' running averages (the mean of their first {@code e} epochs' objectives) at the same epoch {@code e}, provided
 * at least {@code minTrials} other trials have reached it.
 */
public final class MedianStoppingScheduler implements TrialScheduler {
    private final Objective objective;
    private final int maxEpochs;
    private final int graceEpochs;
    private final int minTrials;
    /** Every trial's scores (larger is better) as reported so far. */
    private final Map<Integer, double[]> histories = new LinkedHashMap<>();

    public MedianStoppingScheduler(Objective objective, int maxEpochs, int graceEpochs, int minTrials) {
        this.objective = objective;
        this.maxEpochs = maxEpochs;
        this.graceEpochs = graceEpochs;
        this.minTrials = minTrials;
    }

    @Override
    public int maxEpochs() {
        return maxEpochs;
    }

    @Override
    public int nextMilestone(int epochsDone) {
        return Math.min(maxEpochs, Math.max(graceEpochs, epochsDone + 1));
    }

    @Override
    public Action onMilestone(int trial, double[] history) {
        int epoch = history.length;
        double[] scores = new double[epoch];
        double best = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < epoch; i++) {
            scores[i] = Double.isNaN(history[i]) ? Double.NEGATIVE_INFINITY : objective.score(history[i]);
            best = Math.max(best, scores[i]);
        }
        histories.put(trial, scores);
        if (epoch >= maxEpochs) {
            return Action.COMPLETE;
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
