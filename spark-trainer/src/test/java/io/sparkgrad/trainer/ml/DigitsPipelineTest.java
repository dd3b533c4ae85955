package io.sparkgrad.trainer.ml;

import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code VectorAssembler -> StandardScaler -> SparkgradClassifier} on a real data set that is not MNIST: the UCI 8x8
 * handwritten digits (1,797 rows, committed under test resources), an MLP spec, 80/20 split. The fitted
 * {@code PipelineModel} is saved and loaded back and predicts the very same.
 */
class DigitsPipelineTest extends MlSparkTest {

    static final String DIGITS = Path.of("src", "test", "resources", "uci-digits", "digits.csv.gz").toAbsolutePath().toString();

    /** The digits as 64 double columns {@code p0..p63} and an integer {@code label}. */
    static Dataset<Row> digits(SparkSession spark) {
        Dataset<Row> raw = spark.read().option("inferSchema", "true").csv(DIGITS);
        String[] cols = raw.columns();
        Dataset<Row> named = raw;
        for (int i = 0; i < 64; i++) {
            named = named.withColumnRenamed(cols[i], "p" + i);
        }
        return named.withColumnRenamed(cols[64], "label");
    }

    static String[] pixelColumns() {
        return IntStream.range(0, 64).mapToObj(i -> "p" + i).toArray(String[]::new);
    }

    @Test
    void anMlpInAPipelineClassifiesHeldOutDigitsAndLoadsBackIdentical(@TempDir Path tmp) throws Exception {
        Dataset<Row> all = digits(spark);
        assertEquals(1797, all.count());
        Dataset<Row>[] split = all.randomSplit(new double[] {0.8, 0.2}, 7);
        Dataset<Row> train = split[0].cache();
        Dataset<Row> test = split[1].cache();

        SparkgradClassifier clf = new SparkgradClassifier()
                .setLayers("linear(64) relu linear(10)")
                .setOptimizer("adam").setLearningRate(3e-3).setBatchSize(32).setDropLast(true).setEpochs(15).setWorkers(2).setSeed(5);
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
                new VectorAssembler().setInputCols(pixelColumns()).setOutputCol("pixels"),
                new StandardScaler().setInputCol("pixels").setOutputCol("features").setWithMean(true).setWithStd(true),
                clf});
        PipelineModel fitted = pipeline.fit(train);

        Dataset<Row> predicted = fitted.transform(test);
        double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(predicted);
        System.out.println("UCI digits MLP: held-out accuracy " + accuracy);
        assertTrue(accuracy > 0.95, "held-out accuracy " + accuracy);

        SparkgradClassificationModel model = (SparkgradClassificationModel) fitted.stages()[2];
        Row first = predicted.select("features", "rawPrediction", "prediction").first();
        assertArrayEquals(((Vector) first.get(1)).toArray(), model.predictRaw((Vector) first.get(0)).toArray(), 1e-5,
                "a single prediction gives the logits of the batched transform");
        assertEquals(first.getDouble(2), model.predict((Vector) first.get(0)), 0.0);
        assertEquals(10, model.numClasses());
        assertEquals(64, model.numFeatures());
        assertArrayEquals(new int[] {64}, model.getInputShape(), "the input shape was inferred from the first row");
        TrainingSummary s = model.summary();
        assertEquals(15, s.epochs());
        assertTrue(s.trainingLoss()[14] < s.trainingLoss()[0] / 3, "training loss fell: " + java.util.Arrays.toString(s.trainingLoss()));

        String where = tmp.resolve("digits-model").toUri().toString();
        fitted.write().overwrite().save(where);
        PipelineModel loaded = PipelineModel.load(where);
        SparkgradClassificationModel back = (SparkgradClassificationModel) loaded.stages()[2];
        assertEquals(model.uid(), back.uid());
        assertEquals(model.getLayers(), back.getLayers());
        assertEquals(3e-3, back.getLearningRate());
        assertTrue(back.getDropLast(), "a set dropLast saves with the model");
        assertArrayEquals(model.weights(), back.weights(), 0f);
        assertEquals(s, back.summary(), "the training summary is saved with the model");

        List<Row> before = predicted.select("prediction", "probability", "rawPrediction").collectAsList();
        List<Row> after = loaded.transform(test).select("prediction", "probability", "rawPrediction").collectAsList();
        assertEquals(before.size(), after.size());
        for (int i = 0; i < before.size(); i++) {
            assertEquals(before.get(i).getDouble(0), after.get(i).getDouble(0), 0.0, "prediction of row " + i);
            assertArrayEquals(((Vector) before.get(i).get(1)).toArray(), ((Vector) after.get(i).get(1)).toArray(), 0.0);
            assertArrayEquals(((Vector) before.get(i).get(2)).toArray(), ((Vector) after.get(i).get(2)).toArray(), 0.0);
        }
    }
}
