package io.sparkgrad.trainer.ml;

import io.sparkgrad.trainer.LocalSpark;
import org.apache.spark.sql.SparkSession;

import java.util.Map;

/**
 * The test SparkSession for Spark ML pipelines: {@link LocalSpark}'s, on {@code local[2]}, but without Kryo's
 * registration requirement, because MLlib's own stages (CSV schema inference, {@code StandardScaler}'s summarizer,
 * {@code CrossValidator}) ship Spark-internal classes the trainer's registrator has no business knowing. What the
 * trainer itself ships is checked with registration required by the trainer's other tests.
 */
final class MlSpark {

    private MlSpark() {
    }

    static SparkSession start(String app) {
        return LocalSpark.start("local[2]", app, Map.of("spark.kryo.registrationRequired", "false"));
    }
}
