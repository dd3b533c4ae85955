package io.sparkgrad.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.conf.JobConfig;
import io.sparkgrad.conf.JobConfigLoader;
import io.sparkgrad.conf.Preset;
import io.sparkgrad.trainer.SparkgradKryoRegistrator;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** The driver's Spark settings: spark-submit's win, the configuration fills the rest. */
class JobSparkTest {
    @Test
    void runDirectlyTheMasterAndSettingsComeFromTheConfiguration() {
        JobConfig c = new JobConfigLoader().set("spark.appName=my-run").set("spark.conf.spark.executor.memory=3g").load().config();
        SparkConf conf = JobSpark.sparkConf(c, new SparkConf(false));
        assertEquals("local[*]", conf.get("spark.master"));
        assertEquals("my-run", conf.get("spark.app.name"));
        assertEquals("3g", conf.get("spark.executor.memory"));
        assertEquals("org.apache.spark.serializer.KryoSerializer", conf.get("spark.serializer"));
        assertEquals(SparkgradKryoRegistrator.class.getName(), conf.get("spark.kryo.registrator"));
        assertTrue(conf.get("spark.executor.extraJavaOptions").contains("--add-opens=java.base/java.nio=ALL-UNNAMED"));
    }

    @Test
    void underSparkSubmitItsMasterAndSettingsWin() {
        JobConfig c = new JobConfigLoader().preset(Preset.STANDALONE).set("spark.master=spark://a:7077").load().config();
        SparkConf submitted = new SparkConf(false).setMaster("spark://b:7077").set("spark.executor.memory", "1g")
                .set("spark.serializer", "org.apache.spark.serializer.JavaSerializer");
        SparkConf conf = JobSpark.sparkConf(c, submitted);
        assertEquals("spark://b:7077", conf.get("spark.master"));
        assertEquals("1g", conf.get("spark.executor.memory"), "the preset's 4g does not replace spark-submit's");
        assertEquals("org.apache.spark.serializer.JavaSerializer", conf.get("spark.serializer"));
        assertEquals("2", conf.get("spark.task.cpus"), "derived: one worker per executor");
        assertEquals("4", conf.get("spark.cores.max"), "derived: 2 workers x 2 cores");
    }
}
