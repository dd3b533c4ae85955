package io.sparkgrad.trainer.data;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.ingest.mnist.MnistSubset;
import io.sparkgrad.ingest.mnist.PixelScaling;
import io.sparkgrad.ingest.spark.MnistFrames;
import io.sparkgrad.ingest.spark.SampleBlocks;
import io.sparkgrad.trainer.DistributedTrainer;
import io.sparkgrad.trainer.LocalSpark;
import io.sparkgrad.trainer.StepStats;
import io.sparkgrad.trainer.TrainingResult;
import io.sparkgrad.trainer.engine.MnistModels;
import io.sparkgrad.trainer.engine.ModuleReplica;
import io.sparkgrad.trainer.optim.EngineOptimizer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Training and validation data given as data-ingest's MNIST DataFrames, converted by the generic {@link FrameBlocks},
 * train exactly as the same samples given as blocks: the real 300 + 200 image subset kept in data-ingest's test
 * resources, the tutorial CNN, 2 workers.
 */
class FrameInputTest {

    static final String SUBSET = Path.of("..", "data-ingest", "src", "test", "resources", "mnist-subset").toAbsolutePath().toUri().toString();

    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = LocalSpark.start("local[2]", "frame-input");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    static DistributedTrainer.Builder builder() {
        return DistributedTrainer.builder()
                .replicaFactory(ModuleReplica.factory(MnistModels.TUTORIAL_CNN, 3)).optimizer(EngineOptimizer.sgdMomentum(0.1, 0.9))
                .globalBatchSize(32).epochs(1).seed(9).workers(2).consoleProgress(false);
    }

    @Test
    void framesOfBytesOrFloatsTrainAndValidateLikeTheSameBlocks() throws Exception {
        JavaRDD<SampleBlock> trainBlocks = SampleBlocks.load(spark, SUBSET, MnistSubset.TRAIN, 2, PixelScaling.DIV_256);
        JavaRDD<SampleBlock> testBlocks = SampleBlocks.load(spark, SUBSET, MnistSubset.TEST, 3, PixelScaling.DIV_256);
        TrainingResult fromBlocks = builder().trainingData(trainBlocks).validationData(testBlocks).build().fit();

        Dataset<Row> trainBytes = MnistFrames.load(spark, SUBSET, MnistSubset.TRAIN, 2, MnistFrames.ImageColumn.BYTES, PixelScaling.NONE);
        Dataset<Row> testFloats = MnistFrames.load(spark, SUBSET, MnistSubset.TEST, 3, MnistFrames.ImageColumn.FLOATS, PixelScaling.DIV_256);
        // Bytes are scaled by the conversion's byte table; floats were scaled when the frame was made.
        FrameBlocks images = FrameBlocks.of("image", "label").featureShape(1, 28, 28);
        DistributedTrainer fromFramesTrainer = builder()
                .trainingData(images.byteValues(PixelScaling.DIV_256.table()).toBlocks(trainBytes, "training data"))
                .validationData(images.toBlocks(testFloats, "validation data")).build();
        TrainingResult fromFrames = fromFramesTrainer.fit();

        assertEquals(10, fromFrames.lastEpoch().steps(), "300 samples: 9 steps of 32 and one of 12");
        assertArrayEquals(fromBlocks.parameters(), fromFrames.parameters(), 0f, "the same samples in the same order train the same");
        assertEquals(fromBlocks.lastEpoch().validationLoss(), fromFrames.lastEpoch().validationLoss(), 0.0);
        assertEquals(fromBlocks.lastEpoch().validationAccuracy(), fromFrames.lastEpoch().validationAccuracy(), 0.0);
        float[] init = ModuleReplica.factory(MnistModels.TUTORIAL_CNN, 3).create(1).getParameters();
        double moved = 0;
        for (int i = 0; i < init.length; i++) {
            moved = Math.max(moved, Math.abs(init[i] - fromFrames.parameters()[i]));
        }
        assertTrue(moved > 1e-3, "the run moved the parameters: max change " + moved);

        StepStats onFrame = fromFramesTrainer.evaluate(images.toBlocks(testFloats, "test data"), fromFrames.parameters());
        StepStats onBlocks = fromFramesTrainer.evaluate(testBlocks, fromFrames.parameters());
        assertEquals(200, onFrame.count());
        assertEquals(onBlocks, onFrame);
    }

    @Test
    void aFrameWithoutTheFeaturesColumnIsRefusedWithItsColumns() {
        Dataset<Row> wrong = spark.range(5).toDF("label");
        FrameBlocks images = FrameBlocks.of("image", "label").featureShape(1, 28, 28);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> images.toBlocks(wrong, "training data"));
        assertTrue(e.getMessage().contains("training data") && e.getMessage().contains("'image' does not exist")
                && e.getMessage().contains("[label]"), e.getMessage());
        IllegalArgumentException v = assertThrows(IllegalArgumentException.class, () -> images.toBlocks(wrong, "validation data"));
        assertTrue(v.getMessage().contains("validation data"), v.getMessage());
    }
}
