package io.sparkgrad.trainer.sweep;

import java.util.List;

/**
 * What a sweep optimises: a per-epoch validation metric and whether larger is better.
 *
 * @param metric   {@code val_accuracy} or {@code val_loss}
 * @param maximize true for mode {@code max}
 */
public record Objective(String metric, boolean maximize) {
    /** The metrics a trial reports every epoch. */
    public static final List<String> METRICS = List.of("val_accuracy", "val_loss");

    public Objective {
        if (!METRICS.contains(metric)) {
            throw new SweepConfigException("sweep.objective.metric '" + metric + "' is unknown; allowed: " + String.join(", ", METRICS));
        }
    }

    /** The metric's value in an epoch's result. */
    public double of(EpochResult e) {
        return metric.equals("val_accuracy") ? e.valAccuracy() : e.valLoss();
    }

    /** Whether {@code a} is strictly better than {@code b} (NaN is never better). */
    public boolean better(double a, double b) {
        if (Double.isNaN(a)) {
            return false;
        }
        if (Double.isNaN(b)) {
            return true;
        }
        return maximize ? a > b : a < b;
    }

    /** The value as "larger is better" (negated for mode min), so schedulers compare one way. */
    public double score(double value) {
        return maximize ? value : -value;
    }

    /** {@code max} or {@code min}. */
    public String mode() {
        return maximize ? "max" : "min";
    }
}
