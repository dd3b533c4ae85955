package io.sparkgrad.trainer.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sparkgrad.cuda.CudaDetection;
import io.sparkgrad.cuda.HostGpuContext;
import io.sparkgrad.trainer.engine.EmulatedGpu;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import scala.Option;

/**
 * {@link SparkgradClassifier}'s {@code device} param: its values, the refusal where CUDA is unusable, the share of a GPU
 * a task's replica may hold, and a fit whose replicas compute on the CPU emulation of the CUDA kernels ending at the CPU
 * fit's weights.
 */
class SparkgradClassifierDeviceTest {
    static SparkSession spark;
    static Dataset<Row> blobs;

    @BeforeAll
    static void start() {
        spark = MlSpark.start("classifier-device");
        // Three separable blobs of 4 features: 48 rows.
        Random r = new Random(5);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 48; i++) {
            int label = i % 3;
            double[] x = new double[4];
            for (int j = 0; j < 4; j++) {
                x[j] = (j == label ? 2.0 : 0.0) + 0.5 * r.nextGaussian();
            }
            rows.add(RowFactory.create(Vectors.dense(x), (double) label));
        }
        StructType schema = new StructType().add("features", SQLDataTypes.VectorType()).add("label", DataTypes.DoubleType);
        blobs = spark.createDataFrame(rows, schema);
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    private static SparkgradClassifier classifier() {
        return new SparkgradClassifier().setLayers("linear(3)").setOptimizer("sgd").setLearningRate(0.1).setMomentum(0.9)
                .setBatchSize(16).setEpochs(2).setWorkers(2).setSeed(11);
    }

    @Test
    void theDeviceIsCpuByDefaultAndTakesCpuOrCudaOnly() {
        SparkgradClassifier c = new SparkgradClassifier();
        assertEquals("cpu", c.getDevice());
        assertEquals("cuda", c.setDevice("cuda").getDevice());
        assertEquals("cuda", c.copy(ParamMap.empty()).getDevice());
        var e = assertThrows(IllegalArgumentException.class, () -> c.setDevice("gpu"));
        assertEquals("device 'gpu' is not one of cpu, cuda", e.getMessage());
        assertTrue(c.device().doc().contains("transforms on the CPU"), c.device().doc());
    }

    @Test
    void aTasksReplicaHoldsItsShareOfTheGpu() {
        assertEquals(1.0, SparkgradClassifier.gpuShare(Option.empty()));
        assertEquals(0.25, SparkgradClassifier.gpuShare(Option.apply("0.25")));
        assertEquals(1.0, SparkgradClassifier.gpuShare(Option.apply("2")), "a task with whole GPUs uses its first one whole");
        var e = assertThrows(IllegalArgumentException.class, () -> SparkgradClassifier.gpuShare(Option.apply("a quarter")));
        assertTrue(e.getMessage().startsWith("spark.task.resource.gpu.amount 'a quarter'"), e.getMessage());
    }

    @Test
    void aCudaFitWhereCudaIsUnusableFailsAtOnceWithTheDetectionsReason() {
        assumeFalse(CudaDetection.status().available(), "this machine has a usable GPU");
        var e = assertThrows(IllegalStateException.class, () -> classifier().setDevice("cuda").fit(blobs));
        assertTrue(e.getMessage().startsWith("SparkgradClassifier device cuda: cannot use device cuda:0: " + CudaDetection.status().reason()),
                e.getMessage());
    }

    @Test
    void aFitOnGpuReplicasEndsAtTheCpuFitsWeights() {
        assumeTrue(HostGpuContext.emulatorAvailable(), "g++ is not on the PATH: the CUDA emulator cannot be built");
        EmulatedGpu.OPENED.clear();
        float[] cpu = classifier().fit(blobs).weights();
        float[] gpu = classifier().setDevice("cuda").gpuOpener(new EmulatedGpu()).fit(blobs).weights();
        assertTrue(!EmulatedGpu.OPENED.isEmpty(), "the replicas computed on the (emulated) GPU");
        float scale = 0;
        for (float v : cpu) {
            scale = Math.max(scale, Math.abs(v));
        }
        assertEquals(cpu.length, gpu.length);
        for (int i = 0; i < cpu.length; i++) {
            assertEquals(cpu[i], gpu[i], 1e-4f * scale, "weight " + i);
        }
    }
}
