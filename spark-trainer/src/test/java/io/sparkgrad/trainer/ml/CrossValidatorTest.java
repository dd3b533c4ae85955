package io.sparkgrad.trainer.ml;

import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code CrossValidator} over two learning rates on the UCI digits: fits run concurrently at parallelism 2 give the
 * very same average metrics as one at a time, the better rate wins, and the saved {@code CrossValidatorModel} loads
 * back with its estimator and best model.
 */
class CrossValidatorTest extends MlSparkTest {

    /**
     * A third of the digits (short fits) as {@code features}, pixel counts 0..16 scaled to [0, 1], and {@code label};
     * cached, so that every split of it is the same.
     */
    static Dataset<Row> scaledThird(SparkSession spark) {
        Dataset<Row> pixels = new VectorAssembler().setInputCols(DigitsPipelineTest.pixelColumns()).setOutputCol("raw")
                .transform(DigitsPipelineTest.digits(spark));
        Dataset<Row> data = pixels.withColumn("features", functions.col("raw"))
                .select(functions.col("features"), functions.col("label"))
                .where(functions.monotonically_increasing_id().mod(3).equalTo(0)).cache();
        return new org.apache.spark.ml.feature.MinMaxScaler().setInputCol("features").setOutputCol("scaled")
                .fit(data).transform(data).drop("features").withColumnRenamed("scaled", "features").cache();
    }

    /** The small MLP both tuning tests tune: SGD with momentum, 4 epochs on 2 workers. */
    static SparkgradClassifier smallMlp() {
        return new SparkgradClassifier().setLayers("linear(32) relu linear(10)")
                .setOptimizer("sgd").setMomentum(0.9).setBatchSize(32).setEpochs(4).setWorkers(2).setSeed(3);
    }

    @Test
    void parallelFitsMatchSerialOnesAndTheBetterRateWins(@TempDir Path tmp) throws Exception {
        Dataset<Row> scaled = scaledThird(spark);
        SparkgradClassifier clf = smallMlp();
        ParamMap[] grid = new ParamGridBuilder().addGrid(clf.learningRate(), new double[] {1e-4, 0.05}).build();
        MulticlassClassificationEvaluator accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy");

        CrossValidatorModel serial = new CrossValidator().setEstimator(clf).setEstimatorParamMaps(grid).setEvaluator(accuracy)
                .setNumFolds(2).setSeed(17).setParallelism(1).fit(scaled);
        CrossValidatorModel parallel = new CrossValidator().setEstimator(clf).setEstimatorParamMaps(grid).setEvaluator(accuracy)
                .setNumFolds(2).setSeed(17).setParallelism(2).fit(scaled);
        System.out.println("CrossValidator average accuracy, serial " + Arrays.toString(serial.avgMetrics()) + ", parallel "
                + Arrays.toString(parallel.avgMetrics()));

        assertArrayEquals(serial.avgMetrics(), parallel.avgMetrics(), 0.0, "concurrent fits train exactly as serial ones");
        assertTrue(serial.avgMetrics()[1] > serial.avgMetrics()[0] + 0.2, "lr 0.05 beats lr 1e-4: " + Arrays.toString(serial.avgMetrics()));
        SparkgradClassificationModel best = (SparkgradClassificationModel) parallel.bestModel();
        assertEquals(0.05, best.getLearningRate());
        assertArrayEquals(((SparkgradClassificationModel) serial.bestModel()).weights(), best.weights(), 0f);

        String where = tmp.resolve("cv-model").toString();
        parallel.save(where);
        CrossValidatorModel loaded = CrossValidatorModel.load(where);
        assertArrayEquals(parallel.avgMetrics(), loaded.avgMetrics(), 0.0);
        assertEquals(0.05, ((SparkgradClassificationModel) loaded.bestModel()).getLearningRate());
        assertEquals(clf.uid(), ((SparkgradClassifier) loaded.getEstimator()).uid());
        assertEquals(clf.getLayers(), ((SparkgradClassifier) loaded.getEstimator()).getLayers());
        List<Row> a = best.transform(scaled).select("prediction").collectAsList();
        List<Row> b = loaded.bestModel().transform(scaled).select("prediction").collectAsList();
        assertEquals(a, b);

        // An unfitted pipeline with the estimator saves and loads too.
        String pipelinePath = tmp.resolve("pipeline").toString();
        new Pipeline().setStages(new PipelineStage[] {clf}).save(pipelinePath);
        SparkgradClassifier back = (SparkgradClassifier) Pipeline.load(pipelinePath).getStages()[0];
        assertEquals(clf.getLayers(), back.getLayers());
        assertEquals("sgd", back.getOptimizer());
        assertEquals(0.9, back.getMomentum());
        assertEquals(3L, back.getSeed());
    }
}
