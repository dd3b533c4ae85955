package io.sparkgrad.ingest.testutil;

import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * The one way tests start Spark: a local master, bound to loopback only, UI and console progress off, few shuffle
 * partitions. Shared with the other modules' tests through this module's test-jar.
 */
public final class LocalSpark {

    private LocalSpark() {
    }

    /** Spark on {@code local[2]}. */
    public static SparkSession start(String app) {
        return start("local[2]", app, new SparkConf());
    }

    /**
     * @param master e.g. {@code local[4]}, or {@code local[4,2]} to let Spark retry a failed task once
     * @param extra  further Spark settings, e.g. {@code spark.task.cpus}
     */
    public static SparkSession start(String master, String app, Map<String, String> extra) {
        SparkConf conf = new SparkConf();
        extra.forEach(conf::set);
        return start(master, app, conf);
    }

    /**
     * @param conf settings to start with (a serializer, the job's own settings); the test settings go over them,
     *             except the shuffle partitions, which {@code conf} may choose
     */
    public static SparkSession start(String master, String app, SparkConf conf) {
        conf.setMaster(master)
                .setAppName(app)
                .set("spark.ui.enabled", "false")
                .set("spark.ui.showConsoleProgress", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .setIfMissing("spark.sql.shuffle.partitions", "4");
        return SparkSession.builder().config(conf).getOrCreate();
    }
}
