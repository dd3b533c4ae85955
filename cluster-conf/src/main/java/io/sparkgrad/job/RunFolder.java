package io.sparkgrad.job;

import io.sparkgrad.conf.JobConfig;
import io.sparkgrad.conf.OutputConfig;
import java.security.SecureRandom;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;

/**
 * Puts the run's start time into the output locations: every {@value OutputConfig#TIMESTAMP} in the output
 * folder, checkpoint folder and metrics file becomes {@code yyyyMMdd-HHmmss-xxxxxx}, the same value in all three,
 * so that each run of the default configuration writes a fresh {@code runs/mnist-20261127-143005-3fa2c1} and its
 * saved configuration names that folder. The six random hex digits keep runs started in the same second (a sweep,
 * two shells) out of each other's folders, where one would otherwise find the other's checkpoints.
 */
public final class RunFolder {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");
    private static final SecureRandom RANDOM = new SecureRandom();

    private RunFolder() {
    }

    /** {@code config} with the token replaced by {@code start} and a random tail; unchanged when no location holds the token. */
    public static JobConfig resolve(JobConfig config, LocalDateTime start) {
        byte[] tail = new byte[3];
        RANDOM.nextBytes(tail);
        return resolve(config, start, HexFormat.of().formatHex(tail));
    }

    /** {@code config} with the token replaced by {@code start-tail}; unchanged when no location holds the token. */
    static JobConfig resolve(JobConfig config, LocalDateTime start, String tail) {
        String stamp = STAMP.format(start) + "-" + tail;
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
