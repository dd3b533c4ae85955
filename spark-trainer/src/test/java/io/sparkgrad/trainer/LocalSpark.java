package io.sparkgrad.trainer;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** The one way tests start Spark: local, loopback, UI off, Kryo with every class registered. */
public final class LocalSpark {

    private LocalSpark() {
    }

    /**
     * @param master e.g. {@code local[4]}, or {@code local[4,2]} to let Spark retry a failed task once
     */
    public static SparkSession start(String master, String app) {
        return start(master, app, java.util.Map.of());
    }

    /**
     * @param extra further Spark settings, e.g. {@code spark.task.cpus}
     */
    public static SparkSession start(String master, String app, java.util.Map<String, String> extra) {
        SparkConf conf = SparkgradKryoRegistrator.configure(new SparkConf())
                .setMaster(master)
                .setAppName(app)
                .set("spark.ui.enabled", "false")
                .set("spark.ui.showConsoleProgress", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.kryo.registrationRequired", "true")
                .set("spark.sql.shuffle.partitions", "4");
        extra.forEach(conf::set);
        return SparkSession.builder().config(conf).getOrCreate();
    }
}
