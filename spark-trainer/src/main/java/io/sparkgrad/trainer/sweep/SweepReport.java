package io.sparkgrad.trainer.sweep;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.sparkgrad.nn.Sequential;
import io.sparkgrad.nn.spec.ModelSpec;
import io.sparkgrad.nn.spec.SavedModel;
import io.sparkgrad.tensor.Generator;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Writes a finished sweep's results into its output folder:
 *
 * <ul>
 *   <li>{@code trials.parquet} and {@code trials.csv}: one row per trial: {@code trial}, {@code status},
 *       {@code epochs_trained}, {@code seconds}, {@code objective} (at its last epoch), {@code error}, one column per key
 *       of the space (dots become underscores: {@code optimizer_lr}), then {@code val_accuracy_e1 ...} and
 *       {@code val_loss_e1 ...} up to maxEpochs (empty where the trial did not train that epoch);</li>
 *   <li>{@code model.safetensors}: the best trial's weights, self-describing ({@link SavedModel}); {@code config.yaml}:
 *       its effective configuration;</li>
 *   <li>{@code curves.png} and {@code params.png} ({@link SweepCharts}).</li>
 * </ul>
 */
final class SweepReport {
    private SweepReport() {
    }

    static SweepResult write(SparkSession spark, SweepConfig config, List<Trial> trials, Path out, Configuration conf, int epochsNow,
                             double trainSeconds, long start) throws IOException {
        Objective objective = config.objective();
        Trial best = null;
        int epochsTrained = 0;
        for (Trial t : trials) {
            epochsTrained += t.epochs().size();
            if (t.status() != TrialStatus.FAILED && t.checkpoint() != null
                    && (best == null || objective.better(t.last(objective), best.last(objective)))) {
                best = t;
            }
        }
        FileSystem fs = out.getFileSystem(conf);
        StructType schema = schema(config, trials);
        List<Row> rows = new ArrayList<>();
        for (Trial t : trials) {
            rows.add(row(config, schema, t));
        }
        Dataset<Row> table = spark.createDataFrame(rows, schema);
        table.coalesce(1).write().mode("overwrite").parquet(new Path(out, "trials.parquet").toString());
        writeText(fs, new Path(out, "trials.csv"), csv(schema, rows));
        if (best != null) {
            TrialConfig tc = config.trialConfig(best.params());
            ModelSpec spec = tc.modelSpec();
            Sequential model = spec.build(new Generator(0), new Generator(0), TrialData.INPUT_SHAPE);
            model.loadStateDict(TrialTrainer.weights(new Path(best.checkpoint()), conf), true);
            try (OutputStream o = fs.create(new Path(out, "model.safetensors"), true)) {
                SavedModel.save(o, spec, TrialData.INPUT_SHAPE, model);
            }
            String yaml = "# the best trial of the sweep: trial " + best.id() + ", " + objective.metric() + " "
                    + String.format(Locale.ROOT, "%.4f", best.last(objective)) + " after " + best.epochs().size() + " epochs\n"
                    + new YAMLMapper().writeValueAsString(tc.nested()).replaceFirst("^---\\s*\n", "");
            writeText(fs, new Path(out, "config.yaml"), yaml);
        }
        SweepCharts.write(fs, out, config, trials);
        double seconds = (System.nanoTime() - start) / 1e9;
        return new SweepResult(trials, objective, best, epochsTrained, epochsNow, seconds, trainSeconds, out.toString(), table);
    }

    static StructType schema(SweepConfig config, List<Trial> trials) {
        List<StructField> f = new ArrayList<>();
        f.add(DataTypes.createStructField("trial", DataTypes.IntegerType, false));
        f.add(DataTypes.createStructField("status", DataTypes.StringType, false));
        f.add(DataTypes.createStructField("epochs_trained", DataTypes.IntegerType, false));
        f.add(DataTypes.createStructField("seconds", DataTypes.DoubleType, false));
        f.add(DataTypes.createStructField("objective", DataTypes.DoubleType, true));
        f.add(DataTypes.createStructField("error", DataTypes.StringType, true));
        for (String key : config.space().domains().keySet()) {
            boolean integers = trials.stream().allMatch(t -> t.params().get(key) instanceof Long);
            boolean numeric = trials.stream().allMatch(t -> t.params().get(key) instanceof Number);
            f.add(DataTypes.createStructField(column(key), integers ? DataTypes.LongType : numeric ? DataTypes.DoubleType : DataTypes.StringType, true));
        }
        int max = config.scheduler().maxEpochs();
        for (int e = 1; e <= max; e++) {
            f.add(DataTypes.createStructField("val_accuracy_e" + e, DataTypes.DoubleType, true));
        }
        for (int e = 1; e <= max; e++) {
            f.add(DataTypes.createStructField("val_loss_e" + e, DataTypes.DoubleType, true));
        }
        return DataTypes.createStructType(f);
    }

    /** The column of a configuration key: {@code optimizer.lr} becomes {@code optimizer_lr}. */
    static String column(String key) {
        return key.replace('.', '_');
    }

    private static Row row(SweepConfig config, StructType schema, Trial t) {
        List<Object> v = new ArrayList<>();
        v.add(t.id());
        v.add(t.status().label());
        v.add(t.epochs().size());
        v.add(t.seconds());
        double last = t.last(config.objective());
        v.add(Double.isNaN(last) ? null : last);
        v.add(t.error());
        for (String key : config.space().domains().keySet()) {
            Object p = t.params().get(key);
            DataType type = schema.apply(column(key)).dataType();
            v.add(p == null ? null : type == DataTypes.LongType ? ((Number) p).longValue()
                    : type == DataTypes.DoubleType ? ((Number) p).doubleValue() : p.toString());
        }
        int max = config.scheduler().maxEpochs();
        for (int e = 1; e <= max; e++) {
            v.add(e <= t.epochs().size() ? t.epochs().get(e - 1).valAccuracy() : null);
        }
        for (int e = 1; e <= max; e++) {
            v.add(e <= t.epochs().size() ? t.epochs().get(e - 1).valLoss() : null);
        }
        return RowFactory.create(v.toArray());
    }

    /** RFC 4180 CSV with a header; empty fields for nulls. */
    static String csv(StructType schema, List<Row> rows) {
        StringBuilder s = new StringBuilder(String.join(",", schema.fieldNames())).append('\n');
        for (Row r : rows) {
            for (int i = 0; i < r.size(); i++) {
                if (i > 0) {
                    s.append(',');
                }
                Object o = r.get(i);
                String text = o == null ? "" : o.toString();
                if (text.contains(",") || text.contains("\"") || text.contains("\n")) {
                    text = '"' + text.replace("\"", "\"\"") + '"';
                }
                s.append(text);
            }
            s.append('\n');
        }
        return s.toString();
    }

    static void writeText(FileSystem fs, Path path, String text) throws IOException {
        try (OutputStream o = fs.create(path, true)) {
            o.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }
}
