package io.sparkgrad.examples.ml;

import io.sparkgrad.trainer.ml.SparkgradClassificationModel;
import io.sparkgrad.trainer.ml.SparkgradClassifier;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.IntStream;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Sparkgrad as a stage of a Spark ML {@code Pipeline}: {@code VectorAssembler -> StandardScaler -> SparkgradClassifier}
 * on the UCI 8x8 handwritten digits (1,797 rows of 64 pixel columns and the digit, as scikit-learn ships them), an
 * 80/20 split, the held-out accuracy, and the fitted {@code PipelineModel} saved and loaded back.
 *
 * <pre>
 * source bin/lib/java-run.sh &amp;&amp; sparkgrad_run io.sparkgrad.examples.ml.DigitsPipeline [DIGITS_CSV [MODEL_DIR]]
 * </pre>
 *
 * {@code DIGITS_CSV} defaults to the copy committed under {@code spark-trainer/src/test/resources/uci-digits/},
 * {@code MODEL_DIR} (any Hadoop path) to {@code runs/digits-pipeline}.
 */
public final class DigitsPipeline {
    /** The committed copy of the digits, relative to the repository root. */
    static final String DIGITS_CSV = "spark-trainer/src/test/resources/uci-digits/digits.csv.gz";

    private DigitsPipeline() {
    }

    /**
     * What a run measured.
     *
     * @param accuracy         held-out accuracy of the fitted pipeline
     * @param reloadedAccuracy held-out accuracy of the pipeline saved and loaded back (the same, or the save lost something)
     * @param testRows         held-out rows
     */
    public record Result(double accuracy, double reloadedAccuracy, long testRows) {
    }

    public static void main(String[] args) throws java.io.IOException {
        String csv = args.length > 0 ? args[0] : DIGITS_CSV;
        String where = args.length > 1 ? args[1] : "runs/digits-pipeline";
        if (args.length == 0 && !Files.isRegularFile(Path.of(csv))) {
            throw new IllegalArgumentException("the digits are not at " + Path.of(csv).toAbsolutePath() + ": run from the repository root,"
                    + " or give the CSV's path as the first argument");
        }
        SparkSession spark = SparkSession.builder().master("local[2]").appName("digits-pipeline").getOrCreate();
        try {
            run(spark, csv, where, System.out);
        } finally {
            spark.stop();
        }
    }

    /**
     * Fits the pipeline on 80 % of the digits in {@code csv}, evaluates it on the rest, saves it to {@code where}, loads
     * it back and evaluates that, printing each result to {@code out}.
     */
    public static Result run(SparkSession spark, String csv, String where, PrintStream out) throws java.io.IOException {
        // 64 pixel columns p0..p63 (values 0..16) and the digit as "label".
        Dataset<Row> raw = spark.read().option("inferSchema", "true").csv(csv);
        String[] cols = raw.columns();
        String[] pixels = IntStream.range(0, 64).mapToObj(i -> "p" + i).toArray(String[]::new);
        Dataset<Row> digits = raw;
        for (int i = 0; i < 64; i++) {
            digits = digits.withColumnRenamed(cols[i], pixels[i]);
        }
        digits = digits.withColumnRenamed(cols[64], "label");
        Dataset<Row>[] split = digits.randomSplit(new double[] {0.8, 0.2}, 7);
        Dataset<Row> train = split[0].cache();
        Dataset<Row> test = split[1].cache();

        SparkgradClassifier net = new SparkgradClassifier()
                .setLayers("linear(64) relu linear(10)")
                .setOptimizer("adam").setLearningRate(3e-3).setLrSchedule("cosine").setBatchSize(32).setEpochs(15);
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
            new VectorAssembler().setInputCols(pixels).setOutputCol("pixels"),
            new StandardScaler().setInputCol("pixels").setOutputCol("features").setWithMean(true),
            net});
        PipelineModel model = pipeline.fit(train);

        MulticlassClassificationEvaluator evaluator = new MulticlassClassificationEvaluator().setMetricName("accuracy");
        double accuracy = evaluator.evaluate(model.transform(test));
        long testRows = test.count();
        SparkgradClassificationModel fitted = (SparkgradClassificationModel) model.stages()[2];
        out.printf(Locale.ROOT, "trained %s on input shape %s, %d epochs: training loss %.4f -> %.4f%n", fitted.getLayers(),
                Arrays.toString(fitted.getInputShape()), fitted.summary().epochs(), fitted.summary().trainingLoss()[0],
                fitted.summary().trainingLoss()[fitted.summary().epochs() - 1]);
        out.printf(Locale.ROOT, "held-out accuracy %.4f on %d digits%n", accuracy, testRows);

        model.write().overwrite().save(where);
        PipelineModel loaded = PipelineModel.load(where);
        double again = evaluator.evaluate(loaded.transform(test));
        out.printf(Locale.ROOT, "saved to %s and loaded back: held-out accuracy %.4f%n", where, again);
        out.flush();
        return new Result(accuracy, again, testRows);
    }
}
