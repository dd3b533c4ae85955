package io.sparkgrad.cli;

import io.sparkgrad.conf.JobConfig;
import io.sparkgrad.job.DataLocation;
import io.sparkgrad.job.DataSource;
import io.sparkgrad.job.JobSpark;
import io.sparkgrad.job.SavedModel;
import java.io.IOException;
import java.util.function.Consumer;

/** The data {@code evaluate} and {@code predict} run a saved model on: {@code --data}, else {@code data.test}. */
final class SavedModelData {
    private SavedModelData() {
    }

    /**
     * Opens {@code option} (or the configuration's test set) as a test-role source with the model's scaling; a
     * DataFrame ({@code data.format} parquet, csv or libsvm) is read with the model's input shape.
     */
    static DataSource open(JobSpark spark, JobConfig config, String option, String key, SavedModel model, Consumer<String> log)
            throws IOException {
        String spec = option != null ? option : config.data().test();
        if (spec == null) {
            throw new IllegalArgumentException("no data to run the model on: give --data PATH (or set data.test)");
        }
        if (config.data().readsFrames()) {
            return DataSource.frame(spark.session(), config.data(), spec, key, model.model(), DataSource.pixelScaling(model.scaling()));
        }
        int partitions = config.data().partitions() > 0 ? config.data().partitions() : config.training().workers();
        DataLocation location = DataLocation.resolve(spec, key, spark.context().hadoopConfiguration());
        return DataSource.open(spark, location, DataSource.Role.TEST, partitions,
                DataSource.pixelScaling(model.scaling()), log);
    }

    /** The records to use: all, or the first {@code data.limit}. */
    static long count(DataSource source, JobConfig config) {
        return config.data().limit() > 0 ? Math.min(source.records(), config.data().limit()) : source.records();
    }
}
