package io.sparkgrad.trainer.sweep;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * The sweep's console line, printed at every change: trials running, done, stopped and failed, the best so far and an
 * estimate of the time left.
 *
 * <pre>
 * sweep 14/32 | running 4 | completed 3 | stopped 6 | failed 1 | best trial 5 val_accuracy=0.9861 | ETA ~2m10s
 * </pre>
 *
 * The ETA assumes every unfinished trial trains only to its next milestone, at the mean seconds per epoch so far,
 * {@code parallelism} at once: a lower bound that firms up as the sweep goes.
 */
final class Progress {
    private final PrintStream out;
    private final List<Trial> trials;
    private final int total;
    private final Objective objective;
    private final TrialScheduler scheduler;
    private final int parallelism;
    private String last = "";

    Progress(PrintStream out, List<Trial> trials, int total, Objective objective, TrialScheduler scheduler, int parallelism) {
        this.out = out;
        this.trials = trials;
        this.total = total;
        this.objective = objective;
        this.scheduler = scheduler;
        this.parallelism = parallelism;
    }

    void print() {
        if (out == null) {
            return;
        }
        String line = line();
        if (!line.equals(last)) {
            out.println(line);
            out.flush();
            last = line;
        }
    }

    String line() {
        int running = 0;
        int completed = 0;
        int stopped = 0;
        int failed = 0;
        int epochs = 0;
        double seconds = 0;
        double epochsLeft = (double) (total - trials.size()) * scheduler.nextMilestone(0);
        Trial best = null;
        for (Trial t : trials) {
            epochs += t.epochs().size();
            seconds += t.epochs().stream().mapToDouble(EpochResult::seconds).sum();
            switch (t.status()) {
                case RUNNING -> running++;
                case COMPLETED -> completed++;
                case STOPPED -> stopped++;
                case FAILED -> failed++;
                default -> { }
            }
            if (!t.status().finished()) {
                epochsLeft += scheduler.nextMilestone(t.epochs().size()) - t.epochs().size();
            }
            if (t.status() != TrialStatus.FAILED && !t.epochs().isEmpty() && (best == null || objective.better(t.last(objective), best.last(objective)))) {
                best = t;
            }
        }
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "sweep %d/%d | running %d | completed %d | stopped %d | failed %d",
                trials.size(), total, running, completed, stopped, failed));
        if (best != null) {
            s.append(String.format(Locale.ROOT, " | best trial %d %s=%.4f", best.id(), objective.metric(), best.last(objective)));
        }
        if (epochs > 0 && epochsLeft > 0) {
            long eta = Math.round(seconds / epochs * epochsLeft / parallelism);
            s.append(String.format(Locale.ROOT, " | ETA ~%dm%02ds", eta / 60, eta % 60));
        }
        return s.toString();
    }
}
