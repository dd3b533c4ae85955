package io.sparkgrad.trainer;

import io.sparkgrad.io.Safetensors;
import io.sparkgrad.io.SafetensorsFile;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.trainer.metrics.JsonLinesSink;
import io.sparkgrad.trainer.optim.EngineOptimizer;
import io.sparkgrad.trainer.reference.ArrayMlp;
import io.sparkgrad.trainer.reference.SyntheticClassification;
import io.sparkgrad.trainer.transport.GradientTransport;
import io.sparkgrad.trainer.transport.barrier.BarrierTransport;
import io.sparkgrad.trainer.transport.stage.StagePerStepTransport;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Failures cost at most the step in flight, never change the trajectory, and stop the run clearly when they must:
 * injected task failures (both transports), resume after a stop, a NaN step, a hung worker. Local mode with one
 * task retry ({@code local[4,2]}).
 */
class FaultToleranceTest {

    static final int[] SIZES = {100, 130, 90, 161};
    static final int BATCH = 32;
    static final long SEED = 23;
    static final SyntheticClassification DATA = new SyntheticClassification(784, 10, 9);
    static final ReplicaFactory MODEL = ArrayMlp.factory(4, 784, 10);

    static SparkSession spark;
    static JavaSparkContext sc;
    static JavaRDD<SampleBlock> train;
    static float[] uninterrupted;

    @BeforeAll
    static void startSpark() {
        spark = LocalSpark.start("local[4,2]", "faults");
        sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        train = DATA.rdd(sc, SIZES, 0);
        uninterrupted = builder(MODEL, new BarrierTransport()).epochs(2).build().fit().parameters();
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    @BeforeEach
    void resetCounter() {
        FaultInjection.INJECTED.set(0);
    }

    static DistributedTrainer.Builder builder(ReplicaFactory factory, GradientTransport transport) {
        return DistributedTrainer.builder().replicaFactory(factory).optimizer(EngineOptimizer.sgdMomentum(0.05, 0.9)).globalBatchSize(BATCH)
                .seed(SEED).workers(SIZES.length).transport(transport).trainingData(train).consoleProgress(false);
    }

    @Test
    void aTaskFailingOnceInTheStagePerStepTransportChangesNothing() {
        ReplicaFactory faulty = new FaultInjection(MODEL, FaultInjection.Mode.FAIL_ONCE, 7, 1);
        float[] p = builder(faulty, new StagePerStepTransport()).epochs(2).build().fit().parameters();
        assertEquals(1, FaultInjection.INJECTED.get(), "the fault happened once");
        assertArrayEquals(uninterrupted, p, 0f);
    }

    @Test
    void aTaskFailingOnceInTheBarrierTransportCostsOnlyTheStepInFlight() {
        ReplicaFactory faulty = new FaultInjection(MODEL, FaultInjection.Mode.FAIL_ONCE, 20, 2);
        TrainingResult r = builder(faulty, new BarrierTransport()).epochs(2).build().fit();
        assertEquals(1, FaultInjection.INJECTED.get(), "the fault happened once");
        assertArrayEquals(uninterrupted, r.parameters(), 0f, "the relaunched gang recomputed step 20 exactly");
        assertEquals(16, r.history().get(1).steps(), "no step of the failed epoch was applied twice");
    }

    @Test
    void aResumeThatWouldPlanTheEpochsDifferentlyIsRefused(@TempDir Path dir) {
        String ckpt = dir.resolve("ckpt").toUri().toString();
        builder(MODEL, new BarrierTransport()).epochs(1).checkpointDir(ckpt).build().fit();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> builder(MODEL, new BarrierTransport())
                .dropLast(true).epochs(2).checkpointDir(ckpt).resume(true).build().fit());
        assertTrue(e.getMessage().contains("written with steps_per_epoch=16 but this run has steps_per_epoch=15")
                && e.getMessage().contains("dropLast"), e.getMessage());
    }

    @Test
    void resumingAfterTheFirstEpochMatchesTheUninterruptedRun(@TempDir Path dir) throws IOException {
        String ckpt = dir.resolve("ckpt").toUri().toString();
        Path metrics = dir.resolve("metrics.jsonl");
        TrainingResult first = builder(MODEL, new BarrierTransport()).epochs(1).checkpointDir(ckpt)
                .metricSink(new JsonLinesSink(metrics, 5)).build().fit();
        assertEquals(1, first.history().size());
        TrainingResult resumed = builder(MODEL, new StagePerStepTransport()).epochs(2).checkpointDir(ckpt).resume(true)
                .metricSink(new JsonLinesSink(metrics, 5)).build().fit();
        assertArrayEquals(uninterrupted, resumed.parameters(), 0f);
        assertEquals(2, resumed.history().size());
        assertEquals(first.history().get(0), resumed.history().get(0), "the first epoch's record comes from the checkpoint");

        Path last = dir.resolve("ckpt").resolve("step-000000000032");
        assertTrue(Files.isDirectory(last), "checkpoint folder named by steps taken");
        try (InputStream in = Files.newInputStream(last.resolve("model.safetensors"))) {
            SafetensorsFile c = Safetensors.read(in);
            assertEquals(List.of("0.weight", "0.bias"), List.copyOf(c.tensors().keySet()));
            assertArrayEquals(new int[] {10, 784}, c.tensors().get("0.weight").shape());
            float[] flat = new float[7850];
            System.arraycopy(c.tensors().get("0.weight").toFloatArray(), 0, flat, 0, 7840);
            System.arraycopy(c.tensors().get("0.bias").toFloatArray(), 0, flat, 7840, 10);
            assertArrayEquals(uninterrupted, flat, 0f);
        }
        try (Stream<Path> leftovers = Files.list(dir.resolve("ckpt"))) {
            assertTrue(leftovers.noneMatch(p -> p.getFileName().toString().startsWith("_tmp")), "no temporary folder left");
        }

        ObjectMapper json = new ObjectMapper();
        List<JsonNode> lines = Files.readAllLines(metrics).stream().map(l -> {
            try {
                return json.readTree(l);
            } catch (IOException e) {
                throw new AssertionError("metrics line is not JSON: " + l, e);
            }
        }).toList();
        assertEquals(2, lines.stream().filter(n -> n.get("event").asText().equals("start")).count());
        List<JsonNode> epochs = lines.stream().filter(n -> n.get("event").asText().equals("epoch")).toList();
        assertEquals(2, epochs.size());
        assertEquals(1, epochs.get(1).get("epoch").asInt());
        assertTrue(epochs.get(1).get("validation_loss").isNull(), "no validation data: null, not NaN");
        assertEquals(6, lines.stream().filter(n -> n.get("event").asText().equals("step")).count(), "every 5th of 32 steps");
    }

    @Test
    void aRunThatCrashesMidEpochResumesFromItsLastStepCheckpoint(@TempDir Path dir) {
        String ckpt = dir.resolve("ckpt").toUri().toString();
        ReplicaFactory broken = new FaultInjection(MODEL, FaultInjection.Mode.FAIL_ALWAYS, 10, 0);
        TrainingException crash = assertThrows(TrainingException.class,
                () -> builder(broken, new StagePerStepTransport()).epochs(2).checkpointDir(ckpt).checkpointEverySteps(4).build().fit());
        assertTrue(crash.getMessage().contains("step 10") && crash.getMessage().contains("injected fault"), crash.getMessage());
        assertTrue(Files.isDirectory(dir.resolve("ckpt").resolve("step-000000000008")), "mid-epoch checkpoint after step 8");
        float[] p = builder(MODEL, new BarrierTransport()).epochs(2).checkpointDir(ckpt).resume(true).build().fit().parameters();
        assertArrayEquals(uninterrupted, p, 0f);
    }

    @Test
    void aResumeWithAnotherConfigurationIsRefusedNamingTheKey(@TempDir Path dir) {
        String ckpt = dir.resolve("ckpt").toUri().toString();
        builder(MODEL, new StagePerStepTransport()).epochs(1).checkpointDir(ckpt).build().fit();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder(MODEL, new StagePerStepTransport()).globalBatchSize(16).epochs(2).checkpointDir(ckpt).resume(true).build().fit());
        assertTrue(e.getMessage().contains("global_batch: checkpoint 32, this run 16"), e.getMessage());
    }

    @Test
    void aResumeOnOtherDataOrAFreshRunInAnotherRunsFolderIsRefusedAndDeletesNothing(@TempDir Path dir) throws IOException {
        String ckpt = dir.resolve("ckpt").toUri().toString();
        builder(MODEL, new StagePerStepTransport()).epochs(1).checkpointDir(ckpt).build().fit();
        List<String> before;
        try (Stream<Path> s = Files.walk(dir.resolve("ckpt"))) {
            before = s.map(Path::toString).sorted().toList();
        }
        // the same partition sizes, other samples: only the content hash can tell
        JavaRDD<SampleBlock> other = DATA.rdd(sc, SIZES, 100_000);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> builder(MODEL, new StagePerStepTransport())
                .trainingData(other).epochs(2).checkpointDir(ckpt).resume(true).build().fit());
        assertTrue(e.getMessage().contains("differs from this one in 1 way(s):\n  data.sample_hash: checkpoint "), e.getMessage());

        IllegalStateException fresh = assertThrows(IllegalStateException.class,
                () -> builder(MODEL, new BarrierTransport()).epochs(1).checkpointDir(ckpt).build().fit());
        assertTrue(fresh.getMessage().contains("already holds 1 checkpoint(s) of another run") && fresh.getMessage().contains("Nothing was deleted"),
                fresh.getMessage());
        try (Stream<Path> s = Files.walk(dir.resolve("ckpt"))) {
            assertEquals(before, s.map(Path::toString).sorted().toList(), "the refused runs wrote and deleted nothing");
        }
    }

    @Test
    void aNonFiniteStepStopsTheRunNamingTheStep() {
        ReplicaFactory nan = new FaultInjection(MODEL, FaultInjection.Mode.NAN, 5, 3);
        NonFiniteStepException e = assertThrows(NonFiniteStepException.class,
                () -> builder(nan, new BarrierTransport()).epochs(1).build().fit());
        assertEquals(5, e.step());
        assertTrue(e.getMessage().startsWith("step 5 (epoch 1, step 6 of 16)") && e.getMessage().contains("loss is NaN")
                && e.getMessage().contains("parameter index 3"), e.getMessage());

        TrainingResult skipped = builder(nan, new StagePerStepTransport()).epochs(1).skipNonFiniteSteps(true).build().fit();
        assertEquals(1, skipped.lastEpoch().skippedSteps());
        assertEquals(481L - BATCH, skipped.lastEpoch().trainSamples(), "every sample but the skipped step's");
        assertTrue(Double.isFinite(skipped.lastEpoch().trainLoss()));
    }

    @Test
    void aHungWorkerFailsTheRunWithATimeout() {
        ReplicaFactory hang = new FaultInjection(MODEL, FaultInjection.Mode.HANG, 3, 2);
        long t0 = System.nanoTime();
        TrainingException e = assertThrows(TrainingException.class,
                () -> builder(hang, new BarrierTransport()).epochs(1).stepTimeout(Duration.ofSeconds(3)).build().fit());
        assertTrue(e.getMessage().contains("step 3") && e.getMessage().contains("timed out") && e.getMessage().contains("workers [2]"),
                e.getMessage());
        assertTrue(System.nanoTime() - t0 < 30_000_000_000L, "failed within the timeout, not the hung task's minute");
        // The session is healthy afterwards: the hung task was killed, a new run gets all slots.
        assertArrayEquals(uninterrupted, builder(MODEL, new BarrierTransport()).epochs(2).build().fit().parameters(), 0f);
    }
}
