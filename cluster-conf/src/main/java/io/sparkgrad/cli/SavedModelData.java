package io.sparkgrad.cli;

import io.sparkgrad.job.*;

import io.sparkgrad.conf.JobConfig;
import java.io.IOException;
import java.util.function.Consumer;

/** The data {@code evaluate} and {@code predict} run a saved model on: {@code --data}, else {@code data.test}. */
final class SavedModelData {
    private SavedModelData() {
    }

    /** Opens {@code option} (or the configuration's test set) as a test-role source with the model's scaling. */
    static DataSource open(JobSpark spark, JobConfig config, String option, String key, SavedModel model, Consumer<String> log)
            throws IOException {
        String spec = option != null ? option : config.data().test();
        if (spec == null) {
            throw new IllegalArgumentException("no data to run the model on: give --data PATH (or set data.test)");
        }
        int partitions = config.data().partitions() > 0 ? config.data().partitions() : config.training().workers();
        DataLocation location = DataLocation.resolve(spec, key, spark.session().sparkContext().hadoopConfiguration());
        return DataSource.open(spark.session(), location, DataSource.Role.TEST, partitions,
                DataSource.pixelScaling(model.scaling()), log);
    }

    /** The records to use: all, or the first {@code data.limit}. */
    static long count(DataSource source, JobConfig config) {
        return config.data().limit() > 0 ? Math.min(source.records(), config.data().limit()) : source.records();
    }
}
