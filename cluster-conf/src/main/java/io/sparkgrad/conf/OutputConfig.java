package io.sparkgrad.conf;

import java.io.Serializable;

/**
 * Where a run writes. All three are Hadoop paths (file, hdfs, s3a). The token {@value #TIMESTAMP} in any of
 * them stands for the time the run starts ({@code 20261127-143005}): the job replaces it, so that every run
 * gets a fresh folder and its effective configuration names the folder it wrote.
 *
 * @param outputDir     the run's folder
 * @param checkpointDir checkpoints; when left out, {@code <outputDir>/checkpoints}
 * @param metricsFile   one JSON line per epoch; when left out, {@code <outputDir>/metrics.jsonl}
 */
public record OutputConfig(String outputDir, String checkpointDir, String metricsFile) implements Serializable {
    /** The token the job replaces with the run's start time, {@code yyyyMMdd-HHmmss}. */
    public static final String TIMESTAMP = "{timestamp}";
}
