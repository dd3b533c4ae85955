package io.sparkgrad.trainer.sweep;

import java.util.List;
import java.util.Locale;

/**
 * The early-stopping scheduler's settings ({@code sweep.scheduler}).
 *
 * @param name            {@code none}, {@code asha} or {@code median}
 * @param maxEpochs       the most epochs any trial trains
 * @param reductionFactor ASHA: rungs are {@code graceEpochs * reductionFactor^k}; the top {@code 1/reductionFactor} go on
 * @param graceEpochs     epochs every trial trains before it can be stopped
 * @param minTrials       median stopping: how many other trials must have reached an epoch before it compares there
 */
public record SchedulerSpec(String name, int maxEpochs, int reductionFactor, int graceEpochs, int minTrials) {
    /** The scheduler names. */
    public static final List<String> NAMES = List.of("none", "asha", "median");

    public SchedulerSpec {
        name = name == null ? "none" : name.strip().toLowerCase(Locale.ROOT);
        if (!NAMES.contains(name)) {
            throw new SweepConfigException("sweep.scheduler.name '" + name + "' is unknown; allowed: " + String.join(", ", NAMES));
        }
        if (maxEpochs < 1) {
            throw new SweepConfigException("sweep.scheduler.maxEpochs must be at least 1, got " + maxEpochs);
        }
        if (reductionFactor < 2) {
            throw new SweepConfigException("sweep.scheduler.reductionFactor must be at least 2, got " + reductionFactor);
        }
        if (graceEpochs < 1 || graceEpochs > maxEpochs) {
            throw new SweepConfigException("sweep.scheduler.graceEpochs must be in 1.." + maxEpochs + " (maxEpochs), got " + graceEpochs);
        }
        if (minTrials < 1) {
            throw new SweepConfigException("sweep.scheduler.minTrials must be at least 1, got " + minTrials);
        }
    }

    /** The scheduler these settings describe, for {@code objective}. */
    public TrialScheduler create(Objective objective) {
        return switch (name) {
            case "asha" -> new AshaScheduler(objective, maxEpochs, reductionFactor, graceEpochs);
            case "median" -> new MedianStoppingScheduler(objective, maxEpochs, graceEpochs, minTrials);
            default -> new NoStoppingScheduler(maxEpochs);
        };
    }
}
