package io.sparkgrad.examples.job;

import io.sparkgrad.conf.JobConfigLoader;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * The tests' Spark: one session per test class, started the way the job starts its own ({@link JobSpark#sparkConf}),
 * on {@code local[2]} bound to loopback with the UI off. The job and the CLI find it running and leave it so.
 */
final class TestSpark {
    private TestSpark() {
    }

    static SparkSession start(String app) {
        SparkConf conf = JobSpark.sparkConf(new JobConfigLoader().set("spark.master=local[2]").load().config(), new SparkConf())
                .setAppName(app)
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1");
        return SparkSession.builder().config(conf).getOrCreate();
    }
}
