package io.sparkgrad.trainer.ml;

import io.sparkgrad.ingest.mnist.MnistSubset;
import io.sparkgrad.ingest.mnist.PixelScaling;
import io.sparkgrad.ingest.spark.MnistFrames;
import io.sparkgrad.nn.spec.SavedModel;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MNIST as Parquet ({@code label INT, image BINARY} of raw pixel bytes, as data-ingest writes it) into a Pipeline with
 * a convolutional spec: the real 300 + 200 image subset in data-ingest's test resources, trained with a validation
 * indicator column, saved and loaded back with identical predictions and a self-describing weights file.
 */
class MnistParquetPipelineTest extends MlSparkTest {

    static final String SUBSET = Path.of("..", "data-ingest", "src", "test", "resources", "mnist-subset").toAbsolutePath().toUri().toString();

    @Test
    void aCnnSpecTrainsFromParquetBytesAndLoadsBackIdentical(@TempDir Path tmp) throws Exception {
        String train = tmp.resolve("train.parquet").toUri().toString();
        String test = tmp.resolve("test.parquet").toUri().toString();
        MnistFrames.writeParquet(MnistFrames.load(spark, SUBSET, MnistSubset.TRAIN, 2, MnistFrames.ImageColumn.BYTES,
                PixelScaling.NONE), train);
        MnistFrames.writeParquet(MnistFrames.load(spark, SUBSET, MnistSubset.TEST, 2, MnistFrames.ImageColumn.BYTES,
                PixelScaling.NONE), test);
        // The last 50 training rows validate after every epoch.
        Dataset<Row> trainFrame = spark.read().parquet(train)
                .withColumn("isVal", org.apache.spark.sql.functions.monotonically_increasing_id().mod(6).equalTo(0));
        Dataset<Row> testFrame = spark.read().parquet(test).cache();

        SparkgradClassifier cnn = new SparkgradClassifier()
                .setFeaturesCol("image").setInputShape(new int[] {1, 28, 28})
                .setLayers("conv2d(8, 5, stride=2, padding=2) relu conv2d(16, 3, stride=2, padding=1) relu flatten linear(10)")
                .setOptimizer("adam").setLearningRate(3e-3).setBatchSize(25).setEpochs(8).setWorkers(2).setSeed(11)
                .setValidationIndicatorCol("isVal").setCheckpointDir(tmp.resolve("checkpoints").toUri().toString());
        PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {cnn}).fit(trainFrame);
        Dataset<Row> predicted = fitted.transform(testFrame);
        double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(predicted);
        SparkgradClassificationModel model = (SparkgradClassificationModel) fitted.stages()[0];
        TrainingSummary s = model.summary();
        System.out.println("MNIST subset CNN: test accuracy " + accuracy + ", validation accuracy per epoch "
                + java.util.Arrays.toString(s.validationAccuracy()));
        // 250 training images, 8 epochs: the same CNN reaches about 0.8 here; far above chance (0.1) with margin.
        assertTrue(accuracy > 0.6, "test accuracy " + accuracy);
        assertEquals(8, s.epochs());
        assertTrue(s.validationAccuracy()[7] > 0.5, "validation accuracy " + s.validationAccuracy()[7]);
        assertTrue(s.trainingLoss()[7] < s.trainingLoss()[0], "training loss fell");
        try (var files = Files.list(tmp.resolve("checkpoints"))) {
            assertTrue(files.findAny().isPresent(), "the fit wrote checkpoints to checkpointDir");
        }

        String where = tmp.resolve("mnist-model").toString();
        fitted.save(where);
        PipelineModel loaded = PipelineModel.load(where);
        List<Row> before = predicted.select("prediction", "probability").collectAsList();
        List<Row> after = loaded.transform(testFrame).select("prediction", "probability").collectAsList();
        assertEquals(200, after.size());
        for (int i = 0; i < before.size(); i++) {
            assertEquals(before.get(i).getDouble(0), after.get(i).getDouble(0), 0.0, "prediction of row " + i);
            assertArrayEquals(((Vector) before.get(i).get(1)).toArray(), ((Vector) after.get(i).get(1)).toArray(), 0.0);
        }

        // The stage's weights file is self-describing: core-tensor reads it with no spec given.
        Path weights;
        try (var files = Files.walk(Path.of(where))) {
            weights = files.filter(p -> p.getFileName().toString().equals("model.safetensors")).findFirst().orElseThrow();
        }
        SavedModel saved = SavedModel.load(weights);
        assertEquals(model.getLayers(), saved.spec().toString());
        assertArrayEquals(new int[] {1, 28, 28}, saved.inputShape());
    }
}
