package io.sparkgrad.trainer.sweep;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Asynchronous successive halving (ASHA, Li et al. 2020), as Ray Tune's {@code ASHAScheduler} does it with one bracket.
 *
 * <p>Rungs sit at {@code graceEpochs * reductionFactor^k} epochs below {@code maxEpochs}; with grace 1, factor 3 and
 * 9 epochs they are 1 and 3, and a trial that passes both trains to 9. A trial reaching a rung is promoted when its
 * objective is at least the {@code (1 - 1/reductionFactor)} quantile (linear interpolation, as numpy's) of the results
 * that rung has seen before it, that is when it is in their top {@code 1/reductionFactor}; the first trial at a rung
 * is always promoted. Otherwise it stops. Decisions never wait for other trials, so no worker idles; the price is
 * that early arrivals are judged against few results.
 */
public final class AshaScheduler extends EpochBudgetScheduler {
    private final Objective objective;
    private final int reductionFactor;
    private final int[] rungs;
    private final Map<Integer, List<Double>> recorded = new HashMap<>();

    public AshaScheduler(Objective objective, int maxEpochs, int reductionFactor, int graceEpochs) {
        super(maxEpochs);
        this.objective = objective;
        this.reductionFactor = reductionFactor;
        List<Integer> r = new ArrayList<>();
        for (long e = graceEpochs; e < maxEpochs; e *= reductionFactor) {
            r.add((int) e);
        }
        this.rungs = r.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The rungs' epochs, ascending (maxEpochs, where trials complete, not included). */
    public int[] rungs() {
        return rungs.clone();
    }

    @Override
    public int nextMilestone(int epochsDone) {
        for (int r : rungs) {
            if (r > epochsDone) {
                return r;
            }
        }
        return maxEpochs();
    }

    @Override
    Action decide(int trial, double[] history) {
        int epoch = history.length;
        double score = objective.score(history[epoch - 1]);
        if (Arrays.binarySearch(rungs, epoch) < 0) {
            // Not a rung (a trial that reports off-rung, e.g. after a change of settings): judge nothing.
            return Action.CONTINUE;
        }
        List<Double> seen = recorded.computeIfAbsent(epoch, k -> new ArrayList<>());
        boolean promote = !Double.isNaN(score) && (seen.isEmpty() || score >= cutoff(seen));
        seen.add(Double.isNaN(score) ? Double.NEGATIVE_INFINITY : score);
        return promote ? Action.CONTINUE : Action.STOP;
    }

    /** The {@code (1 - 1/rf)} quantile of {@code scores}, linearly interpolated (numpy's default). */
    double cutoff(List<Double> scores) {
        double[] s = scores.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double pos = (1 - 1.0 / reductionFactor) * (s.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, s.length - 1);
        if (pos == lo || s[lo] == Double.NEGATIVE_INFINITY) {
            return s[lo];
        }
        return s[lo] + (pos - lo) * (s[hi] - s[lo]);
    }
}
