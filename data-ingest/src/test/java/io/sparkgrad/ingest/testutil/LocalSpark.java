package io.sparkgrad.ingest.testutil;

import org.apache.spark.sql.SparkSession;

/** The one way tests start Spark: local[2], no UI, loopback only, few shuffle partitions. */
public final class LocalSpark {

    private LocalSpark() {
    }

    public static SparkSession start(String name) {
        return SparkSession.builder()
                .appName(name)
                .master("local[2]")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "4")
                .getOrCreate();
    }
}
