package io.sparkgrad.trainer.ml;

import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.ml.tuning.TrainValidationSplit;
import org.apache.spark.ml.tuning.TrainValidationSplitModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code TrainValidationSplit} over two learning rates on the UCI digits, its fits concurrent (parallelism 2): each
 * validation metric is exactly that of the rate fitted alone on the same split and evaluated on its validation part,
 * the better rate wins, and the best model (refitted on all rows, as Spark does) is the rate's model fitted alone.
 */
class TrainValidationSplitTest extends MlSparkTest {

    static final double TRAIN_RATIO = 0.75;
    static final long SEED = 17;

    @Test
    void validationMetricsAreTheSeparateFitsAndTheBetterRateWins() {
        Dataset<Row> scaled = CrossValidatorTest.scaledThird(spark);
        SparkgradClassifier clf = CrossValidatorTest.smallMlp();
        ParamMap[] grid = new ParamGridBuilder().addGrid(clf.learningRate(), new double[] {1e-4, 0.05}).build();
        MulticlassClassificationEvaluator accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy");

        TrainValidationSplitModel tuned = new TrainValidationSplit().setEstimator(clf).setEstimatorParamMaps(grid).setEvaluator(accuracy)
                .setTrainRatio(TRAIN_RATIO).setSeed(SEED).setParallelism(2).fit(scaled);

        // The split TrainValidationSplit makes: randomSplit(trainRatio, 1 - trainRatio) with its seed.
        Dataset<Row>[] split = scaled.randomSplit(new double[] {TRAIN_RATIO, 1 - TRAIN_RATIO}, SEED);
        double[] alone = new double[grid.length];
        for (int i = 0; i < grid.length; i++) {
            alone[i] = accuracy.evaluate(clf.fit(split[0], grid[i]).transform(split[1]));
        }
        System.out.println("TrainValidationSplit accuracy " + Arrays.toString(tuned.validationMetrics()) + ", each rate alone "
                + Arrays.toString(alone));
        assertArrayEquals(alone, tuned.validationMetrics(), 0.0, "each metric is its rate's fit alone on the same split");
        assertTrue(alone[1] > alone[0] + 0.2, "lr 0.05 beats lr 1e-4: " + Arrays.toString(alone));

        SparkgradClassificationModel best = (SparkgradClassificationModel) tuned.bestModel();
        assertEquals(0.05, best.getLearningRate(), "the better rate wins");
        SparkgradClassificationModel bestAlone = clf.fit(scaled, grid[1]);
        assertArrayEquals(bestAlone.weights(), best.weights(), 0f, "the best model is the better rate fitted alone on all rows");
        assertEquals(bestAlone.transform(scaled).select("prediction", "probability").collectAsList(),
                best.transform(scaled).select("prediction", "probability").collectAsList());
    }
}
