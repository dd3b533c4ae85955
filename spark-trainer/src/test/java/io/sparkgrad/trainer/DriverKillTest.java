package io.sparkgrad.trainer;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.trainer.metrics.MetricSink;
import io.sparkgrad.trainer.metrics.StepMetrics;
import io.sparkgrad.trainer.optim.EngineOptimizer;
import io.sparkgrad.trainer.reference.ArrayMlp;
import io.sparkgrad.trainer.reference.SyntheticClassification;
import io.sparkgrad.trainer.transport.barrier.BarrierTransport;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A driver JVM killed with SIGKILL mid-epoch, and the run resumed from its checkpoint folder by a new driver, ends
 * with weights bit-identical to an undisturbed run: the checkpoint (written every 2 steps) holds the weights, the
 * optimizer state, the step and the epoch's partial totals, and a checkpoint the kill left half-written is skipped.
 */
class DriverKillTest {

    static final int[] SIZES = {230, 251};
    static final int BATCH = 32;
    static final int EPOCHS = 2;
    /** 481 / 32 = 15 steps per epoch: the kill comes after global step 20, in the second epoch. */
    static final int KILL_AFTER_STEP = 20;

    static DistributedTrainer.Builder builder(JavaSparkContext sc) {
        return DistributedTrainer.builder().replicaFactory(ArrayMlp.factory(6, 784, 10))
                .optimizer(EngineOptimizer.sgdMomentum(0.05, 0.9)).globalBatchSize(BATCH).epochs(EPOCHS).seed(31).workers(2)
                .transport(new BarrierTransport()).trainingData(data(sc)).consoleProgress(false);
    }

    static JavaRDD<SampleBlock> data(JavaSparkContext sc) {
        return new SyntheticClassification(784, 10, 4).rdd(sc, SIZES, 0);
    }

    /** The driver that gets killed: trains with checkpoints every 2 steps, printing each step, slowly. */
    public static final class Driver {
        public static void main(String[] args) {
            SparkSession spark = LocalSpark.start("local[2]", "driver-kill-child");
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            MetricSink announce = new MetricSink() {
                @Override
                public void onStep(StepMetrics s) {
                    System.out.println("STEP " + s.globalStep());
                    System.out.flush();
                    try {
                        // Slow enough that the parent's kill lands mid-epoch; the sink does not touch the numbers.
                        Thread.sleep(150);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            };
            builder(sc).checkpointDir(args[0]).checkpointEverySteps(2).metricSink(announce).build().fit();
            System.out.println("FINISHED");
            spark.stop();
        }
    }

    @Test
    void aDriverKilledMidEpochResumesFromItsCheckpointToTheUndisturbedWeights(@TempDir Path dir) throws Exception {
        String ckpt = dir.resolve("ckpt").toUri().toString();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-") || a.startsWith("-XX:+IgnoreUnrecognizedVMOptions") || a.startsWith("-Dio.netty")) {
                cmd.add(a);
            }
        }
        cmd.addAll(List.of("-Xmx1g", "-cp", System.getProperty("java.class.path"), Driver.class.getName(), ckpt));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(dir.resolve("child-stderr.log").toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        Process child = pb.start();
        long lastSeen = -1;
        List<String> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                out.add(line);
                if (line.startsWith("STEP ")) {
                    lastSeen = Long.parseLong(line.substring(5).trim());
                    if (lastSeen >= KILL_AFTER_STEP) {
                        child.destroyForcibly(); // SIGKILL: no shutdown hook, no clean close of anything
                        break;
                    }
                }
            }
        } finally {
            child.destroyForcibly();
        }
        assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child driver died");
        assertEquals(KILL_AFTER_STEP, lastSeen, "the child was killed right after step " + KILL_AFTER_STEP + ": " + out
                + "\n" + Files.readString(dir.resolve("child-stderr.log")));
        assertTrue(out.stream().noneMatch(l -> l.equals("FINISHED")), "killed before the end");
        try (Stream<Path> saved = Files.list(dir.resolve("ckpt"))) {
            assertTrue(saved.anyMatch(p -> p.getFileName().toString().startsWith("step-")), "the killed driver left checkpoints");
        }

        SparkSession spark = LocalSpark.start("local[2]", "driver-kill");
        try {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            TrainingResult undisturbed = builder(sc).build().fit();
            TrainingResult resumed = builder(sc).checkpointDir(ckpt).checkpointEverySteps(2).resume(true).build().fit();
            assertArrayEquals(undisturbed.parameters(), resumed.parameters(), 0f, "the resumed run's weights");
            assertEquals(EPOCHS, resumed.history().size());
            for (int e = 0; e < EPOCHS; e++) {
                EpochStats a = undisturbed.history().get(e);
                EpochStats b = resumed.history().get(e);
                assertEquals(List.of(a.trainLoss(), a.trainAccuracy(), (double) a.trainSamples()),
                        List.of(b.trainLoss(), b.trainAccuracy(), (double) b.trainSamples()), "epoch " + (e + 1) + "'s totals");
            }
        } finally {
            spark.stop();
        }
    }
}
