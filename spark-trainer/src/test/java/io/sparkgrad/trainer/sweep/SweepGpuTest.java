package io.sparkgrad.trainer.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sparkgrad.cuda.CudaDetection;
import io.sparkgrad.cuda.HostGpuContext;
import io.sparkgrad.trainer.LocalSpark;
import io.sparkgrad.trainer.engine.EmulatedGpu;
import io.sparkgrad.trainer.engine.GpuOpener;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Option;

/**
 * Sweeps with {@code sweep.device: cuda} on local Spark, each trial task computing on the CPU emulation of the CUDA
 * kernels (a "GPU" of {@link EmulatedGpu#BYTES}), over the repository's MNIST subset with logistic regression. Skipped,
 * and counted as skipped, without g++.
 */
class SweepGpuTest {
    /** {@code %s}: the device lines. Two trials at once, two epochs of two steps each (the emulator is slow). */
    static final String SWEEP = """
            sweep:
              search: grid
              seed: 3
              scheduler: {name: none, maxEpochs: 2}
              parallelism: 2
            %s
            space:
              optimizer.lr: grid(0.1, 0.03)
              model: logistic
              training.globalBatchSize: 50
              data.trainLimit: 100
              data.validationLimit: 100
              data.split: official
              data.dir: %s
            """;

    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = LocalSpark.start("local[2]", "sweep-gpu-test");
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    private static SweepResult sweep(String yaml, Path out, GpuOpener opener) throws Exception {
        return Sweep.builder(spark, SweepConfig.parse(yaml)).output(out.toUri().toString()).console(null).gpuOpener(opener).build().run();
    }

    private static String sweepFile(String deviceLines) {
        return SWEEP.formatted(deviceLines, SweepSparkTest.SUBSET);
    }

    @Test
    void eachTrialOnTheGpuEndsWhereItsCpuRunEnds(@TempDir Path dir) throws Exception {
        assumeTrue(HostGpuContext.emulatorAvailable(), "g++ is not on the PATH: the CUDA emulator cannot be built");
        EmulatedGpu.OPENED.clear();
        SweepResult cpu = sweep(sweepFile("  device: cpu"), dir.resolve("cpu"), new EmulatedGpu());
        assertTrue(EmulatedGpu.OPENED.isEmpty(), "a CPU sweep opens no GPU");
        SweepResult gpu = sweep(sweepFile("  device: cuda\n  gpuShare: 0.5"), dir.resolve("gpu"), new EmulatedGpu());

        assertEquals(2, EmulatedGpu.OPENED.size(), "each trial's task opened its GPU");
        for (HostGpuContext d : EmulatedGpu.OPENED) {
            assertEquals(EmulatedGpu.BYTES / 2, d.allocator().limitBytes(), "the cap is sweep.gpuShare of the GPU");
            assertTrue(d.allocator().stats().peakReservedBytes() > 0, "the trial computed on its GPU");
            assertEquals(0, d.allocator().stats().reservedBytes(), "all device memory returned at the trial's end");
            assertThrows(IllegalStateException.class, () -> d.allocator().allocate(4), "the trial's GPU run is closed");
        }
        assertEquals(2, gpu.trials().size());
        for (int t = 0; t < 2; t++) {
            Trial c = cpu.trials().get(t);
            Trial g = gpu.trials().get(t);
            assertEquals(TrialStatus.COMPLETED, g.status(), "trial " + t + ": " + g.error());
            assertEquals(2, g.epochs().size());
            for (int e = 0; e < 2; e++) {
                EpochResult want = c.epochs().get(e);
                EpochResult got = g.epochs().get(e);
                String at = "trial " + t + " epoch " + (e + 1);
                assertEquals(want.trainLoss(), got.trainLoss(), 1e-4, at + " training loss");
                assertEquals(want.valLoss(), got.valLoss(), 1e-4, at + " validation loss");
                assertEquals(want.valAccuracy(), got.valAccuracy(), 1e-4, at + " validation accuracy");
            }
        }
    }

    @Test
    void aTrialOverItsCapFailsAloneNamingTheCapAndTheKeys(@TempDir Path dir) throws Exception {
        assumeTrue(HostGpuContext.emulatorAvailable(), "g++ is not on the PATH: the CUDA emulator cannot be built");
        EmulatedGpu.OPENED.clear();
        // A cap of 256 KiB: logistic regression (63 KB of parameters and gradients, batches of 10) fits; a hidden layer of
        // 2000 (6.3 MB of weights) does not, and fails as its task opens it.
        String yaml = sweepFile("  device: cuda\n  gpuShare: 0.125").replace("maxEpochs: 2", "maxEpochs: 1")
                .replace("optimizer.lr: grid(0.1, 0.03)", "optimizer.lr: 0.1").replace("trainLimit: 100", "trainLimit: 20")
                .replace("validationLimit: 100", "validationLimit: 20").replace("training.globalBatchSize: 50", "training.globalBatchSize: 10")
                .replace("model: logistic", "model: grid(logistic, flatten linear(2000) relu linear(10))");
        SweepResult r = sweep(yaml, dir.resolve("cap"), new EmulatedGpu());

        Trial fits = r.trials().get(0);
        Trial over = r.trials().get(1);
        assertEquals(TrialStatus.COMPLETED, fits.status(), fits.error());
        assertNull(fits.error());
        assertEquals(TrialStatus.FAILED, over.status());
        String why = over.error();
        assertTrue(why.startsWith("trial 1 needs more GPU memory than its cap of 0.25 MiB (sweep.gpuShare 0.125 of the GPU): emulated is"
                + " out of memory"),
                why);
        assertTrue(why.contains("raise sweep.gpuShare") && why.contains("training.globalBatchSize"), why);
        assertEquals(2, EmulatedGpu.OPENED.size());
        for (HostGpuContext d : EmulatedGpu.OPENED) {
            assertEquals(EmulatedGpu.BYTES / 8, d.allocator().limitBytes());
            assertEquals(0, d.allocator().stats().reservedBytes(), "the failed trial's memory came back too");
        }
    }

    @Test
    void cudaWhereItIsUnusableIsRefusedAtOnceWithTheDetectionsReason(@TempDir Path dir) {
        assumeFalse(CudaDetection.status().available(), "this machine has a usable GPU");
        SweepConfig config = SweepConfig.parse(sweepFile("  device: cuda\n  gpuShare: 0.5"));
        var e = assertThrows(SweepConfigException.class, () -> Sweep.builder(spark, config).output(dir.toUri().toString()).build());
        assertTrue(e.getMessage().startsWith("sweep.device cuda: cannot use device cuda:0: " + CudaDetection.status().reason()),
                e.getMessage());
    }

    @Test
    void theRealGpuOpenerTravelsWithTheTrialsTask() throws Exception {
        TrialDevice device = TrialDevice.of(SweepConfig.parse(sweepFile("  device: cuda\n  gpuShare: 0.5")), GpuOpener.CUDA);
        var bytes = new java.io.ByteArrayOutputStream();
        try (var out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(device);
        }
        try (var in = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            TrialDevice back = (TrialDevice) in.readObject();
            assertTrue(back.gpu());
            assertEquals(0.5, back.gpuShare());
            assumeFalse(CudaDetection.status().available(), "this machine has a usable GPU");
            // The deserialized opener is the real one: it asks the detection, which refuses here.
            var e = assertThrows(IllegalStateException.class, () -> back.opener().open(0, 0.5));
            assertTrue(e.getMessage().contains(CudaDetection.status().reason()), e.getMessage());
        }
    }

    @Test
    void aGpuSweepThatSparkWouldPackOtherwiseIsRefused() {
        SweepConfig quarter = SweepConfig.parse(sweepFile("  device: cuda\n  gpuShare: 0.25"));
        var mismatch = assertThrows(SweepConfigException.class,
                () -> Sweep.checkGpu(quarter, false, Option.apply("0.5"), new EmulatedGpu()));
        assertTrue(mismatch.getMessage().startsWith("spark.task.resource.gpu.amount is 0.5 but sweep.gpuShare is 0.25"),
                mismatch.getMessage());
        Sweep.checkGpu(quarter, false, Option.apply("0.25"), new EmulatedGpu());
        Sweep.checkGpu(quarter, true, Option.empty(), new EmulatedGpu());

        SweepConfig whole = SweepConfig.parse(sweepFile("  device: cuda"));
        var local = assertThrows(SweepConfigException.class, () -> Sweep.checkGpu(whole, true, Option.empty(), new EmulatedGpu()));
        assertTrue(local.getMessage().startsWith("sweep.parallelism 2 x sweep.gpuShare 1.0 is more than one GPU"), local.getMessage());
        Sweep.checkGpu(whole, false, Option.empty(), new EmulatedGpu());

        SweepConfig bn = SweepConfig.parse(sweepFile("  device: cuda").replace("model: logistic",
                "model: choice(logistic, conv2d(4, 3) batchnorm2d relu flatten linear(10))"));
        Sweep.checkGpu(bn, false, Option.empty(), new EmulatedGpu());
        SweepConfig softmax = SweepConfig.parse(sweepFile("  device: cuda").replace("model: logistic",
                "model: choice(logistic, conv2d(4, 3) batchnorm2d softmax flatten linear(10))"));
        var layer = assertThrows(SweepConfigException.class, () -> Sweep.checkGpu(softmax, false, Option.empty(), new EmulatedGpu()));
        assertTrue(layer.getMessage().startsWith("space.model 'conv2d(4, 3) batchnorm2d softmax flatten linear(10)' cannot train with "
                + "sweep.device cuda: GpuSequential: layer 2 (Softmax"), layer.getMessage());
    }
}
