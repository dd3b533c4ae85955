package io.sparkgrad.examples.job;

import io.sparkgrad.conf.JobConfig;
import io.sparkgrad.conf.OutputConfig;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * Puts the run's start time into the output locations: every {@value OutputConfig#TIMESTAMP} in the output
 * folder, checkpoint folder and metrics file becomes {@code yyyyMMdd-HHmmss}, the same instant in all three, so
 * that each run of the default configuration writes a fresh {@code runs/mnist-20261127-143005} and its saved
 * configuration names that folder.
 */
public final class RunFolder {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private RunFolder() {
    }

    /** {@code config} with the token replaced by {@code start}; unchanged when no location holds the token. */
    public static JobConfig resolve(JobConfig config, LocalDateTime start) {
        String stamp = STAMP.format(start);
        OutputConfig o = config.output();
        OutputConfig resolved = new OutputConfig(expand(o.outputDir(), stamp), expand(o.checkpointDir(), stamp),
                expand(o.metricsFile(), stamp));
        if (resolved.equals(o)) {
            return config;
        }
        return new JobConfig(config.model(), config.data(), config.optimizer(), config.training(), resolved,
                config.device(), config.spark());
    }

    /** Whether any output location still holds the token (a configuration that was not resolved). */
    public static boolean hasToken(JobConfig config) {
        OutputConfig o = config.output();
        return contains(o.outputDir()) || contains(o.checkpointDir()) || contains(o.metricsFile());
    }

    private static boolean contains(String s) {
        return s != null && s.contains(OutputConfig.TIMESTAMP);
    }

    private static String expand(String s, String stamp) {
        return s == null ? null : s.replace(OutputConfig.TIMESTAMP, stamp);
    }
}
