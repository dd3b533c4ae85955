package io.sparkgrad.trainer;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.trainer.optim.EngineOptimizer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cosine schedule over the whole run ({@link EngineOptimizer#withCosineAnnealingOverRun}) is sized by the trainer to
 * epochs x steps per epoch: the run takes exactly the steps of a schedule whose length the caller counted, its
 * checkpoints record that sized schedule, so a resume of such a run continues bit for bit, and a resume whose run
 * length (hence schedule) differs is refused.
 */
class RunLengthScheduleTest {

    /** {@link FaultToleranceTest}'s data and batch: floor(481 / 32) steps an epoch. */
    static final int STEPS_PER_EPOCH = 16; // 481 samples in batches of 32: 15 full steps and a last one of 1

    static SparkSession spark;
    static JavaRDD<SampleBlock> train;
    /** Two epochs with the schedule's length given as the callers counted it before the trainer sized it. */
    static float[] counted;

    @BeforeAll
    static void startSpark() {
        spark = LocalSpark.start("local[4]", "run-length-schedule");
        train = FaultToleranceTest.DATA.rdd(JavaSparkContext.fromSparkContext(spark.sparkContext()), FaultToleranceTest.SIZES, 0);
        counted = builder(EngineOptimizer.adam(1e-2).withCosineAnnealing(2 * STEPS_PER_EPOCH, 0)).epochs(2).build().fit().parameters();
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    static DistributedTrainer.Builder builder(DriverOptimizer optimizer) {
        return DistributedTrainer.builder().replicaFactory(FaultToleranceTest.MODEL).optimizer(optimizer)
                .globalBatchSize(FaultToleranceTest.BATCH).seed(23).workers(FaultToleranceTest.SIZES.length).trainingData(train)
                .consoleProgress(false);
    }

    @Test
    void theTrainerSizesTheScheduleToTheRunExactlyAsACountedLength() {
        TrainingResult sized = builder(EngineOptimizer.adam(1e-2).withCosineAnnealingOverRun(0)).epochs(2).build().fit();
        assertEquals(STEPS_PER_EPOCH, sized.history().get(0).steps());
        assertArrayEquals(counted, sized.parameters(), 0f);
        // The length matters, so the equality above is the trainer's sizing, not a schedule that did nothing.
        float[] longer = builder(EngineOptimizer.adam(1e-2).withCosineAnnealing(3 * STEPS_PER_EPOCH, 0)).epochs(2).build().fit().parameters();
        assertFalse(java.util.Arrays.equals(counted, longer), "a 48-step schedule cut at step 32 ends elsewhere");
    }

    @Test
    void aResumeContinuesTheSizedScheduleAndAnotherRunLengthIsRefused(@TempDir Path dir) {
        String ckpt = dir.resolve("ckpt").toUri().toString();
        // The first epoch of the 32-step schedule, written with the length given (as checkpoints written before).
        builder(EngineOptimizer.adam(1e-2).withCosineAnnealing(2 * STEPS_PER_EPOCH, 0)).epochs(1).checkpointDir(ckpt).build().fit();
        float[] resumed = builder(EngineOptimizer.adam(1e-2).withCosineAnnealingOverRun(0)).epochs(2).checkpointDir(ckpt).resume(true)
                .build().fit().parameters();
        assertArrayEquals(counted, resumed, 0f, "the run-length schedule sized to 32 steps continued the checkpoint's");

        // Three epochs would stretch the cosine to 48 steps: not the trajectory the checkpoint is on.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> builder(
                EngineOptimizer.adam(1e-2).withCosineAnnealingOverRun(0)).epochs(3).checkpointDir(ckpt).resume(true).build().fit());
        assertTrue(e.getMessage().contains("optimizer.lr_schedule: checkpoint {\"T_max\":32,") && e.getMessage().contains(
                "this run {\"T_max\":48,"), e.getMessage());
    }
}
