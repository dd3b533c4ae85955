package io.sparkgrad.examples.ml;

import io.sparkgrad.trainer.ml.SparkgradClassificationModel;
import io.sparkgrad.trainer.ml.SparkgradClassifier;
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
    private DigitsPipeline() {
    }

    public static void main(String[] args) throws java.io.IOException {
        String csv = args.length > 0 ? args[0] : "spark-trainer/src/test/resources/uci-digits/digits.csv.gz";
        String where = args.length > 1 ? args[1] : "runs/digits-pipeline";
        SparkSession spark = SparkSession.builder().master("local[2]").appName("digits-pipeline").getOrCreate();
        try {
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
                    .setOptimizer("adam").setLearningRate(3e-3).setBatchSize(32).setEpochs(15);
            Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
                new VectorAssembler().setInputCols(pixels).setOutputCol("pixels"),
                new StandardScaler().setInputCol("pixels").setOutputCol("features").setWithMean(true),
                net});
            PipelineModel model = pipeline.fit(train);

            double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(model.transform(test));
            SparkgradClassificationModel fitted = (SparkgradClassificationModel) model.stages()[2];
            System.out.printf("trained %s on input shape %s: training loss per epoch %s%n", fitted.getLayers(),
                    java.util.Arrays.toString(fitted.getInputShape()), java.util.Arrays.toString(fitted.summary().trainingLoss()));
            System.out.printf("held-out accuracy %.4f on %d digits%n", accuracy, test.count());

            model.write().overwrite().save(where);
            PipelineModel loaded = PipelineModel.load(where);
            double again = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(loaded.transform(test));
            System.out.printf("saved to %s and loaded back: held-out accuracy %.4f%n", where, again);
        } finally {
            spark.stop();
        }
    }
}
