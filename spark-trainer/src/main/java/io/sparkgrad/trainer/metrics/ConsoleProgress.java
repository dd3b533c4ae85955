package io.sparkgrad.trainer.metrics;

import io.sparkgrad.trainer.EpochStats;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A progress bar per epoch on the driver's console (step, samples/s, running loss, ETA), redrawn in place at most
 * a few times a second, and one summary line per epoch. Without a terminal (a log file, CI) it prints a plain
 * progress line every tenth of an epoch instead of redrawing.
 */
public final class ConsoleProgress implements MetricSink {

    private static final int BAR_WIDTH = 24;
    private static final long REDRAW_NANOS = 250_000_000L;

    private final PrintStream out;
    private final boolean interactive;
    private int epochs;
    private int steps;
    private int firstStep;
    private long epochStart;
    private long lastDraw;
    private long samples;
    private double lossSum;
    private int nextTenth;
    private boolean barShown;

    /**
     * @param out         where to print
     * @param interactive true to redraw a bar in place with carriage returns
     */
    public ConsoleProgress(PrintStream out, boolean interactive) {
        this.out = out;
        this.interactive = interactive;
    }

    /** On standard output, redrawing in place when a terminal is attached. */
    public static ConsoleProgress stdout() {
        return new ConsoleProgress(System.out, System.console() != null);
    }

    @Override
    public void onStart(RunInfo info) {
        epochs = info.epochs();
        out.printf(Locale.ROOT, "Sparkgrad run %s: %d workers, %s transport%s, global batch %d, %d steps per epoch, %,d parameters%n",
                info.runId(), info.workers(), info.transport(),
                info.endpoint().map(a -> " (aggregation server " + a.getHostString() + ":" + a.getPort() + ")").orElse(""),
                info.globalBatch(), info.stepsPerEpoch(), info.numParameters());
    }

    @Override
    public void onEpochStart(int epoch, int epochs, int firstStep, int steps) {
        this.epochs = epochs;
        this.steps = steps;
        this.firstStep = firstStep;
        this.epochStart = System.nanoTime();
        this.lastDraw = 0;
        this.samples = 0;
        this.lossSum = 0;
        this.nextTenth = 1;
        this.barShown = false;
    }

    @Override
    public void onStep(StepMetrics s) {
        samples += s.samples();
        if (!s.skipped()) {
            lossSum += s.loss() * s.samples();
        }
        long now = System.nanoTime();
        int done = s.stepInEpoch() + 1;
        boolean last = done == steps;
        if (interactive) {
            if (last || now - lastDraw >= REDRAW_NANOS) {
                lastDraw = now;
                out.print("\r" + line(s.epoch(), done, now));
                out.flush();
                barShown = true;
            }
        } else if (done * 10L >= (long) nextTenth * steps) {
            while (done * 10L >= (long) nextTenth * steps) {
                nextTenth++;
            }
            out.println(line(s.epoch(), done, now));
        }
    }

    @Override
    public void onWaiting(int epoch, String message) {
        if (barShown) {
            out.println();
            barShown = false;
        }
        out.println(String.format(Locale.ROOT, "epoch %d/%d %s", epoch + 1, epochs, message));
    }

    String line(int epoch, int done, long now) {
        double elapsed = (now - epochStart) / 1e9;
        int ran = done - firstStep;
        double perStep = ran > 0 ? elapsed / ran : 0;
        double eta = perStep * (steps - done);
        int filled = steps == 0 ? BAR_WIDTH : (int) ((long) BAR_WIDTH * done / steps);
        String bar = "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled);
        return String.format(Locale.ROOT, "epoch %d/%d [%s] %d/%d  %,.0f samples/s  loss %.4f  ETA %s",
                epoch + 1, epochs, bar, done, steps, elapsed > 0 ? samples / elapsed : 0.0,
                samples > 0 ? lossSum / samples : Double.NaN, clock(eta));
    }

    @Override
    public void onEpochEnd(EpochStats e) {
        if (barShown) {
            out.println();
        }
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "epoch %d/%d  train loss %.4f acc %.4f",
                e.epoch() + 1, epochs, e.trainLoss(), e.trainAccuracy()));
        if (!Double.isNaN(e.validationLoss())) {
            b.append(String.format(Locale.ROOT, "  val loss %.4f acc %.4f", e.validationLoss(), e.validationAccuracy()));
        }
        b.append(String.format(Locale.ROOT, "  %.1f s  %,.0f samples/s", e.seconds(), e.samplesPerSecond()));
        if (e.skippedSteps() > 0) {
            b.append("  (").append(e.skippedSteps()).append(" non-finite steps skipped)");
        }
        out.println(b);
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
