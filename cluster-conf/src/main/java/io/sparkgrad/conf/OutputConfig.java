package io.sparkgrad.conf;

import java.io.Serializable;

/**
 * Where a run writes. All three are Hadoop paths (file, hdfs, s3a).
 *
 * @param outputDir     the run's folder
 * @param checkpointDir checkpoints; when left out, {@code <outputDir>/checkpoints}
 * @param metricsFile   one JSON line per epoch; when left out, {@code <outputDir>/metrics.jsonl}
 */
public record OutputConfig(String outputDir, String checkpointDir, String metricsFile) implements Serializable {
}
