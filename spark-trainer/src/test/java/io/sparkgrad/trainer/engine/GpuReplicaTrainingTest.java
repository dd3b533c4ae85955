package io.sparkgrad.trainer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sparkgrad.cuda.GpuContext;
import io.sparkgrad.cuda.HostGpuContext;
import io.sparkgrad.ingest.mnist.MnistSubset;
import io.sparkgrad.ingest.mnist.PixelScaling;
import io.sparkgrad.ingest.spark.SampleBlocks;
import io.sparkgrad.trainer.DistributedTrainer;
import io.sparkgrad.trainer.LocalSpark;
import io.sparkgrad.trainer.ReplicaFactory;
import io.sparkgrad.trainer.TrainingResult;
import io.sparkgrad.trainer.optim.EngineOptimizer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * The distributed trainer with GPU replicas (on the CPU emulation of the CUDA kernels) trains as with CPU replicas: an
 * epoch of the real 300-image subset on 2 Spark workers ends at the same parameters and validation loss, within float32
 * summation-order tolerance. Skipped, and counted as skipped, without g++.
 */
class GpuReplicaTrainingTest {
    private static final String SUBSET = Path.of("..", "data-ingest", "src", "test", "resources", "mnist-subset").toAbsolutePath()
            .toUri().toString();
    /** Emulated GPUs opened by the tasks (local mode: this JVM). */
    private static final AtomicInteger OPENED = new AtomicInteger();

    private static GpuContext emulated(int index) {
        OPENED.incrementAndGet();
        try {
            return HostGpuContext.emulated();
        } catch (Exception e) {
            throw new IllegalStateException("starting the CUDA emulator", e);
        }
    }

    /** GPU replicas as {@link GpuReplica#factory} builds them, on the emulator instead of {@code GpuSession}. */
    private static ReplicaFactory emulatedGpu(ReplicaFactory cpu) {
        return threads -> new GpuReplica((ModuleReplica) cpu.create(threads), MnistModels.LOGISTIC.inputShape(),
                GpuReplicaTrainingTest::emulated, GpuReplica::taskGpu);
    }

    @Test
    void anEpochOnGpuReplicasEndsWhereTheCpuReplicasEnd() throws Exception {
        assumeTrue(HostGpuContext.emulatorAvailable(), "g++ is not on the PATH: the CUDA emulator cannot be built");
        SparkSession spark = LocalSpark.start("local[2]", "gpu-replica-training");
        try {
            var train = SampleBlocks.load(spark, SUBSET, MnistSubset.TRAIN, 2, PixelScaling.DIV_256);
            var test = SampleBlocks.load(spark, SUBSET, MnistSubset.TEST, 2, PixelScaling.DIV_256);
            ReplicaFactory cpu = ModuleReplica.factory(MnistModels.LOGISTIC, 3);
            DistributedTrainer.Builder b = DistributedTrainer.builder().optimizer(EngineOptimizer.sgdMomentum(0.1, 0.9))
                    .globalBatchSize(32).epochs(1).seed(9).workers(2).consoleProgress(false).trainingData(train)
                    .validationData(test);
            TrainingResult onCpu = b.replicaFactory(cpu).build().fit();
            TrainingResult onGpu = b.replicaFactory(emulatedGpu(cpu)).build().fit();

            assertTrue(OPENED.get() >= 1, "the tasks computed on the (emulated) GPU");
            assertEquals(10, onGpu.lastEpoch().steps(), "300 samples: 9 steps of 32 and one of 12");
            float[] want = onCpu.parameters();
            float[] got = onGpu.parameters();
            float scale = 0;
            for (float v : want) {
                scale = Math.max(scale, Math.abs(v));
            }
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], 1e-3f * scale, "parameter " + i);
            }
            assertEquals(onCpu.lastEpoch().trainLoss(), onGpu.lastEpoch().trainLoss(), 1e-4 * onCpu.lastEpoch().trainLoss());
            assertEquals(onCpu.lastEpoch().validationLoss(), onGpu.lastEpoch().validationLoss(),
                    1e-3 * onCpu.lastEpoch().validationLoss());
        } finally {
            spark.stop();
        }
    }
}
