package io.sparkgrad.trainer.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.sparkgrad.trainer.EpochStats;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends metrics as JSON lines to a local file: one {@code "event":"start"} line, one {@code "event":"epoch"}
 * line per epoch, and, if asked, one {@code "event":"step"} line every {@code stepEvery} steps. Values that do not
 * exist (validation without validation data, the first step's cycle time) are written as {@code null}.
 */
public final class JsonLinesSink implements MetricSink {

    private final ObjectMapper json = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();
    private final Path file;
    private final int stepEvery;
    private BufferedWriter out;

    /**
     * @param file      appended to (created if missing, parent folders too)
     * @param stepEvery write every n-th step; 0 for epoch lines only
     */
    public JsonLinesSink(Path file, int stepEvery) {
        if (stepEvery < 0) {
            throw new IllegalArgumentException("stepEvery must be >= 0, got " + stepEvery);
        }
        this.file = file;
        this.stepEvery = stepEvery;
    }

    @Override
    public void onStart(RunInfo info) {
        try {
            if (file.toAbsolutePath().getParent() != null) {
                Files.createDirectories(file.toAbsolutePath().getParent());
            }
            out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the metrics file " + file + ": " + e.getMessage(), e);
        }
        write(new StartLine("start", System.currentTimeMillis(), info.runId(), info.transport(), info.workers(),
                info.globalBatch(), info.stepsPerEpoch(), info.epochs(), info.numParameters()));
    }

    @Override
    public void onStep(StepMetrics s) {
        if (stepEvery == 0 || (s.globalStep() + 1) % stepEvery != 0) {
            return;
        }
        write(new StepLine("step", System.currentTimeMillis(), s.epoch(), s.globalStep(), s.stepInEpoch(),
                finite(s.loss()), finite(s.accuracy()), s.samples(), finite(s.cycleMillis()),
                finite(s.computeMillis()), finite(s.overheadMillis()), s.skipped()));
    }

    @Override
    public void onEpochEnd(EpochStats e) {
        write(new EpochLine("epoch", System.currentTimeMillis(), e.epoch(), finite(e.trainLoss()),
                finite(e.trainAccuracy()), finite(e.validationLoss()), finite(e.validationAccuracy()), e.steps(),
                e.skippedSteps(), e.trainSamples(), finite(e.seconds()), finite(e.samplesPerSecond()),
                finite(e.validationSeconds()), finite(e.overheadP50Millis()), finite(e.overheadP95Millis())));
    }

    @Override
    public void onWaiting(int epoch, String message) {
        write(new WaitLine("waiting", System.currentTimeMillis(), epoch, message));
    }

    // The four kinds of line; the JSON keys are the component names in snake case, in this order.
    private record WaitLine(String event, long time, int epoch, String message) {
    }

    private record StartLine(String event, long time, String run, String transport, int workers, int globalBatch,
                             int stepsPerEpoch, int epochs, int parameters) {
    }

    private record StepLine(String event, long time, int epoch, long step, int stepInEpoch, Double loss,
                            Double accuracy, long samples, Double cycleMs, Double computeMs, Double overheadMs,
                            boolean skipped) {
    }

    private record EpochLine(String event, long time, int epoch, Double trainLoss, Double trainAccuracy,
                             Double validationLoss, Double validationAccuracy, int steps, int skippedSteps,
                             long trainSamples, Double seconds, Double samplesPerS, Double validationSeconds,
                             Double overheadMsP50, Double overheadMsP95) {
    }

    /** A value that does not exist (NaN, infinity) is written as null. */
    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private void write(Record line) {
        if (out == null) {
            throw new IllegalStateException("JsonLinesSink for " + file + " was not started");
        }
        try {
            out.write(json.writeValueAsString(line));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the metrics file " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot close the metrics file " + file + ": " + e.getMessage(), e);
            } finally {
                out = null;
            }
        }
    }
}
