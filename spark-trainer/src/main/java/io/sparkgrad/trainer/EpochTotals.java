package io.sparkgrad.trainer;

import io.sparkgrad.trainer.checkpoint.Checkpoint;

import java.util.Arrays;

/** Running totals of one epoch of a {@link TrainingRun}: what its {@link EpochStats} and a mid-epoch checkpoint hold. */
final class EpochTotals {
    private double lossSum;
    private long correct;
    private long samples;
    private int steps;
    private int skipped;
    private double seconds;
    private long[] overheads = new long[64];
    private int overheadCount;

    /** Totals that continue {@code p} (zeros for a fresh epoch). */
    EpochTotals(Checkpoint.EpochProgress p) {
        lossSum = p.lossSum();
        correct = p.correct();
        samples = p.samples();
        steps = p.steps();
        skipped = p.skippedSteps();
        seconds = p.seconds();
    }

    /** Counts one step; a skipped step counts as a step but adds no samples; {@code overheadNanos < 0}: unknown. */
    void add(StepStats s, boolean skippedStep, long overheadNanos) {
        steps++;
        if (skippedStep) {
            skipped++;
        } else {
            lossSum += s.lossSum();
            correct += s.correct();
            samples += s.count();
        }
        if (overheadNanos >= 0) {
            if (overheadCount == overheads.length) {
                overheads = Arrays.copyOf(overheads, overheadCount * 2);
            }
            overheads[overheadCount++] = overheadNanos;
        }
    }

    void addSeconds(double s) {
        seconds += s;
    }

    Checkpoint.EpochProgress progress() {
        return new Checkpoint.EpochProgress(lossSum, correct, samples, steps, skipped, seconds);
    }

    EpochStats toStats(int epoch, double vLoss, double vAcc, double vSeconds) {
        long[] o = Arrays.copyOf(overheads, overheadCount);
        Arrays.sort(o);
        return new EpochStats(epoch, samples == 0 ? Double.NaN : lossSum / samples, samples == 0 ? Double.NaN : (double) correct / samples,
                vLoss, vAcc, steps, skipped, samples, seconds, seconds > 0 ? samples / seconds : Double.NaN, vSeconds,
                percentile(o, 0.50), percentile(o, 0.95));
    }

    static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank))] / 1e6;
    }
}
