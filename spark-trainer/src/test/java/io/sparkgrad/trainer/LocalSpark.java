package io.sparkgrad.trainer;

import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * The trainer tests' Spark: data-ingest's {@link io.sparkgrad.ingest.testutil.LocalSpark} (the one way tests start
 * Spark) with the trainer's Kryo serializer, every shipped class registered.
 */
public final class LocalSpark {

    private LocalSpark() {
    }

    /**
     * @param master e.g. {@code local[4]}, or {@code local[4,2]} to let Spark retry a failed task once
     */
    public static SparkSession start(String master, String app) {
        return start(master, app, Map.of());
    }

    /**
     * @param extra further Spark settings, e.g. {@code spark.task.cpus}
     */
    public static SparkSession start(String master, String app, Map<String, String> extra) {
        SparkConf conf = SparkgradKryoRegistrator.configure(new SparkConf()).set("spark.kryo.registrationRequired", "true");
        extra.forEach(conf::set);
        return io.sparkgrad.ingest.testutil.LocalSpark.start(master, app, conf);
    }
}
