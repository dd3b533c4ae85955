package io.sparkgrad.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkgrad.trainer.EpochStats;
import io.sparkgrad.trainer.metrics.JsonLinesSink;
import io.sparkgrad.trainer.metrics.MetricSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.hadoop.conf.Configuration;

/**
 * The run's {@code metrics.jsonl} on any Hadoop path: the trainer's JSON lines ({@code start}, {@code step},
 * {@code epoch} events, see {@link JsonLinesSink}) plus the job's own ({@code test}). A local file is written in
 * place; on another file system the lines go to a local file that is copied there after every epoch and at the end.
 */
final class MetricsFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String target;
    private final Configuration conf;
    private final Path local;
    private final boolean staged;

    private MetricsFile(String target, Configuration conf, Path local, boolean staged) {
        this.target = target;
        this.conf = conf;
        this.local = local;
        this.staged = staged;
    }

    /** The metrics file at {@code target}. */
    static MetricsFile at(String target, Configuration conf) throws IOException {
        Path local = OutputFiles.local(target, conf);
        if (local != null) {
            return new MetricsFile(target, conf, local, false);
        }
        Path tmp = Files.createTempFile("sparkgrad-metrics-", ".jsonl");
        tmp.toFile().deleteOnExit();
        return new MetricsFile(target, conf, tmp, true);
    }

    /** The trainer's lines, with a {@code step} line every {@code stepEvery} steps (0: none). */
    MetricSink lines(int stepEvery) {
        return new JsonLinesSink(local, stepEvery);
    }

    /**
     * Copies the lines to the target after every epoch and at the end; give it to the trainer after {@link #lines}
     * (the lines are flushed as they are written, so a copy holds every line written so far).
     */
    MetricSink publisher() {
        return new MetricSink() {
            @Override
            public void onEpochEnd(EpochStats stats) {
                publishUnchecked();
            }

            @Override
            public void close() {
                publishUnchecked();
            }
        };
    }

    /** Appends one event line. */
    void append(ObjectNode event) throws IOException {
        Files.createDirectories(local.toAbsolutePath().getParent());
        Files.writeString(local, JSON.writeValueAsString(event) + System.lineSeparator(), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        publish();
    }

    /** A fresh event object. */
    static ObjectNode event(String name) {
        return JSON.createObjectNode().put("event", name).put("time", System.currentTimeMillis());
    }

    /** Copies the staged lines to the target (nothing to do for a local target). */
    void publish() throws IOException {
        if (staged && Files.exists(local)) {
            OutputFiles.write(target, conf, Files.readAllBytes(local));
        }
    }

    private void publishUnchecked() {
        try {
            publish();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the metrics to " + target + ": " + e.getMessage(), e);
        }
    }
}
