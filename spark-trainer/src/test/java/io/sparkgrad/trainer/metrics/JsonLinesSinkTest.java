package io.sparkgrad.trainer.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sparkgrad.trainer.EpochStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exact lines the readers of metrics.jsonl (the job's MetricsFile, the charts) rely on. */
class JsonLinesSinkTest {
    @TempDir
    Path dir;

    @Test
    void writesStartStepAndEpochLinesWithTheirKeysInOrderAndNullForMissingValues() throws Exception {
        Path file = dir.resolve("runs/a/metrics.jsonl");
        try (JsonLinesSink sink = new JsonLinesSink(file, 2)) {
            sink.onStart(new RunInfo("r1", "barrier", 2, 64, 10, 3, 1234, Optional.empty()));
            sink.onStep(new StepMetrics(0, 0, 10, 0, 2.5, 0.25, 64, Double.NaN, 1.5, false));
            sink.onStep(new StepMetrics(0, 1, 10, 1, 2.25, 0.5, 64, 3.0, 1.0, true));
            sink.onEpochEnd(new EpochStats(0, 0.5, 0.875, Double.NaN, Double.NaN, 10, 1, 640L, 1.5, 426.5,
                    0.0, 2.0, Double.POSITIVE_INFINITY));
        }
        List<String> lines = Files.readAllLines(file).stream()
                .map(l -> l.replaceFirst("\"time\":\\d+", "\"time\":T")).toList();
        assertEquals(List.of(
                "{\"event\":\"start\",\"time\":T,\"run\":\"r1\",\"transport\":\"barrier\",\"workers\":2,"
                        + "\"global_batch\":64,\"steps_per_epoch\":10,\"epochs\":3,\"parameters\":1234}",
                "{\"event\":\"step\",\"time\":T,\"epoch\":0,\"step\":1,\"step_in_epoch\":1,\"loss\":2.25,"
                        + "\"accuracy\":0.5,\"samples\":64,\"cycle_ms\":3.0,\"compute_ms\":1.0,\"overhead_ms\":2.0,"
                        + "\"skipped\":true}",
                "{\"event\":\"epoch\",\"time\":T,\"epoch\":0,\"train_loss\":0.5,\"train_accuracy\":0.875,"
                        + "\"validation_loss\":null,\"validation_accuracy\":null,\"steps\":10,\"skipped_steps\":1,"
                        + "\"train_samples\":640,\"seconds\":1.5,\"samples_per_s\":426.5,\"validation_seconds\":0.0,"
                        + "\"overhead_ms_p50\":2.0,\"overhead_ms_p95\":null}"),
                lines);
    }

    @Test
    void aSinkThatWasNotStartedSaysSo() {
        JsonLinesSink sink = new JsonLinesSink(dir.resolve("m.jsonl"), 0);
        assertThrows(IllegalStateException.class, () -> sink.onEpochEnd(
                new EpochStats(0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0)));
    }
}
