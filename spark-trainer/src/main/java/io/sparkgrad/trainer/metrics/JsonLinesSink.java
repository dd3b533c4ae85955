package io.sparkgrad.trainer.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

    private final ObjectMapper json = new ObjectMapper();
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
        ObjectNode n = json.createObjectNode();
        n.put("event", "start").put("time", System.currentTimeMillis()).put("run", info.runId()).put("transport", info.transport())
                .put("workers", info.workers()).put("global_batch", info.globalBatch()).put("steps_per_epoch", info.stepsPerEpoch())
                .put("epochs", info.epochs()).put("parameters", info.numParameters());
        write(n);
    }

    @Override
    public void onStep(StepMetrics s) {
        if (stepEvery == 0 || (s.globalStep() + 1) % stepEvery != 0) {
            return;
        }
        ObjectNode n = json.createObjectNode();
        n.put("event", "step").put("time", System.currentTimeMillis()).put("epoch", s.epoch()).put("step", s.globalStep())
                .put("step_in_epoch", s.stepInEpoch());
        number(n, "loss", s.loss());
        number(n, "accuracy", s.accuracy());
        n.put("samples", s.samples());
        number(n, "cycle_ms", s.cycleMillis());
        number(n, "compute_ms", s.computeMillis());
        number(n, "overhead_ms", s.overheadMillis());
        n.put("skipped", s.skipped());
        write(n);
    }

    @Override
    public void onEpochEnd(EpochStats e) {
        ObjectNode n = json.createObjectNode();
        n.put("event", "epoch").put("time", System.currentTimeMillis()).put("epoch", e.epoch());
        number(n, "train_loss", e.trainLoss());
        number(n, "train_accuracy", e.trainAccuracy());
        number(n, "validation_loss", e.validationLoss());
        number(n, "validation_accuracy", e.validationAccuracy());
        n.put("steps", e.steps()).put("skipped_steps", e.skippedSteps()).put("train_samples", e.trainSamples());
        number(n, "seconds", e.seconds());
        number(n, "samples_per_s", e.samplesPerSecond());
        number(n, "validation_seconds", e.validationSeconds());
        number(n, "overhead_ms_p50", e.overheadP50Millis());
        number(n, "overhead_ms_p95", e.overheadP95Millis());
        write(n);
    }

    private static void number(ObjectNode n, String key, double v) {
        if (Double.isFinite(v)) {
            n.put(key, v);
        } else {
            n.putNull(key);
        }
    }

    private void write(ObjectNode n) {
        if (out == null) {
            throw new IllegalStateException("JsonLinesSink for " + file + " was not started");
        }
        try {
            out.write(json.writeValueAsString(n));
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
