package io.sparkgrad.trainer;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.ingest.mnist.Mnist;
import io.sparkgrad.ingest.mnist.MnistSplit;
import io.sparkgrad.ingest.mnist.PixelScaling;
import io.sparkgrad.trainer.engine.MnistModels;
import io.sparkgrad.trainer.engine.ModuleReplica;
import io.sparkgrad.trainer.metrics.MetricSink;
import io.sparkgrad.trainer.optim.EngineOptimizer;
import io.sparkgrad.trainer.transport.GradientTransport;
import io.sparkgrad.trainer.transport.barrier.BarrierTransport;
import io.sparkgrad.trainer.transport.stage.StagePerStepTransport;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many runs in one driver (a sweep, a {@code CrossValidator} with parallelism): 4 {@code fit()} calls from 4 driver
 * threads on one SparkContext ({@code local[4]}), the logistic model on the real MNIST subset with 4 learning rates,
 * each of 2 workers, with either transport. Each run ends bit-identical, weights and every epoch's metrics, to the
 * same run made alone; with the barrier transport only 2 of the 4 gangs fit the 4 slots at once, so the others wait
 * for slots (their step timeout must not count the wait); with the stage-per-step transport, whose tasks take a
 * replica from the executor's pool every step, no run rebuilds its replicas per step.
 */
class ConcurrentFitsTest {

    static final Path SUBSET = Path.of("..", "data-ingest", "src", "test", "resources", "mnist-subset");
    static final double[] LEARNING_RATES = {0.05, 0.1, 0.2, 0.4};
    static final int WORKERS = 2;
    static final int BATCH = 32;
    static final int EPOCHS = 2;
    /** Replicas built per run, by the run's label; local mode builds them all in this JVM. */
    static final Map<String, AtomicInteger> BUILDS = new ConcurrentHashMap<>();

    @AutoClose
    static final SparkSession spark = LocalSpark.start("local[4]", "concurrent-fits");
    static final JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    static JavaRDD<SampleBlock> train;
    static JavaRDD<SampleBlock> validation;

    @BeforeAll
    static void load() throws Exception {
        Mnist mnist = Mnist.in(SUBSET);
        // The subset's 300 training images for training, its 200 test images for validation, each in 2 uneven parts.
        train = sc.parallelize(split(mnist.load(false, 0, 300, PixelScaling.DIV_256), 140), 2).cache();
        validation = sc.parallelize(split(mnist.load(true, 0, 200, PixelScaling.DIV_256), 90), 2).cache();
    }

    static List<SampleBlock> split(MnistSplit s, int first) {
        int per = MnistSplit.PIXELS;
        List<SampleBlock> parts = new ArrayList<>();
        int[][] ranges = {{0, first}, {first, s.count()}};
        for (int p = 0; p < 2; p++) {
            int a = ranges[p][0];
            int b = ranges[p][1];
            parts.add(new SampleBlock(p, Arrays.copyOfRange(s.images(), a * per, b * per), Arrays.copyOfRange(s.labels(), a, b),
                    MnistSplit.sampleShape()));
        }
        return parts;
    }

    /** The logistic model, counting the replicas built for {@code label}. */
    static ReplicaFactory counted(String label) {
        ReplicaFactory inner = ModuleReplica.factory(MnistModels.LOGISTIC, 3);
        return threads -> {
            BUILDS.computeIfAbsent(label, k -> new AtomicInteger()).incrementAndGet();
            return inner.create(threads);
        };
    }

    static DistributedTrainer trainer(double lr, GradientTransport transport, MetricSink sink) {
        return DistributedTrainer.builder()
                .replicaFactory(counted(transport.name() + "-" + lr)).optimizer(EngineOptimizer.sgdMomentum(lr, 0.9))
                .globalBatchSize(BATCH).epochs(EPOCHS).seed(17).workers(WORKERS).transport(transport)
                .trainingData(train).validationData(validation).consoleProgress(false)
                // Far below a waiting gang's wait on a busy machine, far above a step of this model.
                .stepTimeout(Duration.ofSeconds(20))
                .metricSink(sink)
                .build();
    }

    /** Records the run's "waiting for N barrier slots" reports. */
    static MetricSink waits(List<String> into) {
        return new MetricSink() {
            @Override
            public void onWaiting(int epoch, String message) {
                into.add(message);
            }
        };
    }

    @ParameterizedTest(name = "{0} transport")
    @ValueSource(strings = {"barrier", "stage"})
    void fourRunsAtOnceFromFourDriverThreadsEachEqualTheRunMadeAlone(String transportName) throws Exception {
        GradientTransport transport = transportName.equals("barrier") ? new BarrierTransport() : new StagePerStepTransport();
        List<String> waited = new CopyOnWriteArrayList<>();
        List<TrainingResult> alone = new ArrayList<>();
        for (double lr : LEARNING_RATES) {
            alone.add(trainer(lr, transport, waits(waited)).fit());
        }
        BUILDS.clear();

        ExecutorService drivers = Executors.newFixedThreadPool(LEARNING_RATES.length);
        List<TrainingResult> together = new ArrayList<>();
        try {
            List<Future<TrainingResult>> runs = new ArrayList<>();
            for (double lr : LEARNING_RATES) {
                DistributedTrainer t = trainer(lr, transport, waits(waited));
                runs.add(drivers.submit(t::fit));
            }
            for (Future<TrainingResult> f : runs) {
                together.add(f.get());
            }
        } finally {
            drivers.shutdownNow();
        }

        for (int i = 0; i < LEARNING_RATES.length; i++) {
            String run = transportName + " run with lr " + LEARNING_RATES[i];
            assertArrayEquals(alone.get(i).parameters(), together.get(i).parameters(), 0f, run + ": weights differ from the run alone");
            assertEquals(trajectory(alone.get(i)), trajectory(together.get(i)), run + ": epoch metrics differ from the run alone");
            assertEquals(EPOCHS, together.get(i).history().size());
        }
        for (int i = 1; i < LEARNING_RATES.length; i++) {
            assertTrue(SingleProcessReference.maxRelativeDifference(together.get(0).parameters(), together.get(i).parameters()) > 1e-3,
                    "the runs train differently, so a mix-up would show");
        }
        assertTrue(together.get(0).history().get(EPOCHS - 1).validationAccuracy() > 0.5,
                "the logistic model learns MNIST: " + together.get(0).history());
        // One replica on the driver per run for the initial weights, then at most one per concurrent task of the run
        // (its 2 training tasks, its 2 validation tasks): not one per step (the stage transport takes one per task,
        // 2 x 9 steps x 2 epochs of them), however many runs share the executor.
        for (double lr : LEARNING_RATES) {
            int built = BUILDS.get(transport.name() + "-" + lr).get();
            assertTrue(built <= 1 + 2 * WORKERS, transportName + " run with lr " + lr + " built " + built + " replicas");
        }
        System.out.printf(Locale.ROOT, "concurrent fits, %s transport: %d wait reports (%s)%n", transportName, waited.size(),
                waited.isEmpty() ? "no wait lasted 2 s" : waited.get(0));
    }

    /** Every epoch's metrics that the run determines (not its timings). */
    static List<List<Double>> trajectory(TrainingResult r) {
        List<List<Double>> out = new ArrayList<>();
        for (EpochStats e : r.history()) {
            out.add(List.of((double) e.epoch(), e.trainLoss(), e.trainAccuracy(), e.validationLoss(), e.validationAccuracy(),
                    (double) e.steps(), (double) e.skippedSteps(), (double) e.trainSamples()));
        }
        return out;
    }
}
