package io.sparkgrad.trainer.ml;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInfo;

/** A test class whose tests share one {@link MlSpark} session, named after the class, started once and stopped after. */
abstract class MlSparkTest {

    static SparkSession spark;

    @BeforeAll
    static void startSpark(TestInfo info) {
        spark = MlSpark.start(info.getTestClass().orElseThrow().getSimpleName());
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }
}
