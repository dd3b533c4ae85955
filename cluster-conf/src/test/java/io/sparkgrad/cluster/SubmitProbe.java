package io.sparkgrad.cluster;

import io.sparkgrad.conf.JobConfig;
import io.sparkgrad.conf.JobConfigLoader;
import io.sparkgrad.conf.Preset;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * A job main for the submit-path test: takes the configuration sources sparkgrad-submit hands a job
 * ({@code --preset p [--config f] [--set k=v]... probe}), runs one task per configured worker on the cluster
 * and prints, per JVM, its pid and the {@code probe.flags.marker} and {@code probe.user.option}
 * system properties (set by the launcher's JVM flag file and by the user's extraJavaOptions).
 */
public final class SubmitProbe {
    private SubmitProbe() {
    }

    public static void main(String[] args) throws Exception {
        JobConfigLoader loader = new JobConfigLoader();
        boolean sawProbe = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--preset" -> loader.preset(Preset.parse(args[++i]));
                case "--config" -> loader.file(Path.of(args[++i]));
                case "--set" -> loader.set(args[++i]);
                case "probe" -> sawProbe = true;
                default -> throw new IllegalArgumentException("unexpected argument " + args[i]);
            }
        }
        if (!sawProbe) {
            throw new IllegalArgumentException("the job arguments did not arrive: " + List.of(args));
        }
        JobConfig config = loader.load().config();
        SparkSession spark = SparkSession.builder().appName(config.spark().appName()).getOrCreate();
        try {
            System.out.println("PROBE driver " + describe() + " master=" + spark.sparkContext().master());
            int n = config.training().workers();
            List<String> rows = JavaSparkContext.fromSparkContext(spark.sparkContext())
                    .parallelize(IntStream.range(0, n).boxed().toList(), n)
                    .map(i -> {
                        // Long enough that each executor takes one task.
                        Thread.sleep(1000);
                        return describe();
                    }).collect();
            rows.forEach(r -> System.out.println("PROBE executor " + r));
        } finally {
            spark.stop();
        }
    }

    static String describe() {
        return "pid=" + ProcessHandle.current().pid()
                + " marker=" + System.getProperty("probe.flags.marker")
                + " user=" + System.getProperty("probe.user.option");
    }
}
