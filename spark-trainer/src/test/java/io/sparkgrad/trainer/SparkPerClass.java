package io.sparkgrad.trainer;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link LocalSpark} for a whole test class: started before its first test, stopped after its last. Register it
 * as a static field: {@code @RegisterExtension static final SparkPerClass SPARK = new SparkPerClass("local[2]", "app");}
 */
public final class SparkPerClass implements BeforeAllCallback, AfterAllCallback {

    private final String master;
    private final String app;
    private SparkSession session;
    private JavaSparkContext sc;

    /** @param master e.g. {@code local[4]} */
    public SparkPerClass(String master, String app) {
        this.master = master;
        this.app = app;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        session = LocalSpark.start(master, app);
        sc = JavaSparkContext.fromSparkContext(session.sparkContext());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        session.stop();
    }

    /** The session, while the class's tests run. */
    public SparkSession session() {
        return session;
    }

    /** The session's Java context, while the class's tests run. */
    public JavaSparkContext sc() {
        return sc;
    }
}
