package io.sparkgrad.trainer;

import io.sparkgrad.trainer.metrics.MetricSink;
import io.sparkgrad.trainer.metrics.RunInfo;
import io.sparkgrad.trainer.optim.EngineOptimizer;
import io.sparkgrad.trainer.reference.ArrayMlp;
import io.sparkgrad.trainer.reference.SyntheticClassification;
import io.sparkgrad.trainer.transport.GradientTransport;
import io.sparkgrad.trainer.transport.barrier.BarrierTransport;
import io.sparkgrad.trainer.transport.stage.StagePerStepTransport;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each {@code fit()} is its own {@link TrainingRun}: two trainers on one SparkContext, trained from two driver
 * threads at once, take exactly the steps each takes alone; one trainer refuses a second fit while it trains.
 */
class TrainingRunTest {

    static final SyntheticClassification DATA = new SyntheticClassification(40, 4, 3);
    static final ReplicaFactory MODEL = ArrayMlp.factory(5, 40, 12, 4);
    static final int[] SIZES = {90, 110};

    @AutoClose
    static final SparkSession spark = LocalSpark.start("local[4]", "training-run");
    static final JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());

    static DistributedTrainer.Builder builder(long seed, DriverOptimizer optimizer, GradientTransport transport) {
        return DistributedTrainer.builder().replicaFactory(MODEL).optimizer(optimizer).globalBatchSize(20).epochs(2).seed(seed)
                .workers(2).transport(transport).trainingData(DATA.rdd(sc, SIZES, 0)).validationData(DATA.rdd(sc, new int[] {30, 25}, 5000))
                .consoleProgress(false);
    }

    static DistributedTrainer sgdTrainer() {
        return builder(7, EngineOptimizer.sgdMomentum(0.1, 0.9), new BarrierTransport()).build();
    }

    static DistributedTrainer adamTrainer() {
        return builder(8, EngineOptimizer.adam(0.01), new StagePerStepTransport()).build();
    }

    @Test
    void twoTrainersFittingAtOnceOnOneSparkContextEachTakeTheStepsTheyTakeAlone() throws Exception {
        TrainingResult sgdAlone = sgdTrainer().fit();
        TrainingResult adamAlone = adamTrainer().fit();

        DistributedTrainer sgd = sgdTrainer();
        DistributedTrainer adam = adamTrainer();
        ExecutorService drivers = Executors.newFixedThreadPool(2);
        try {
            CompletableFuture<TrainingResult> a = CompletableFuture.supplyAsync(sgd::fit, drivers);
            CompletableFuture<TrainingResult> b = CompletableFuture.supplyAsync(adam::fit, drivers);
            TrainingResult sgdTogether = a.get();
            TrainingResult adamTogether = b.get();
            assertArrayEquals(sgdAlone.parameters(), sgdTogether.parameters(), 0f, "the SGD run differs when another run trains beside it");
            assertArrayEquals(adamAlone.parameters(), adamTogether.parameters(), 0f, "the Adam run differs when another run trains beside it");
            assertEquals(sgdAlone.history().stream().map(EpochStats::validationLoss).toList(),
                    sgdTogether.history().stream().map(EpochStats::validationLoss).toList());
            assertEquals(adamAlone.history().stream().map(EpochStats::trainLoss).toList(),
                    adamTogether.history().stream().map(EpochStats::trainLoss).toList());
        } finally {
            drivers.shutdownNow();
        }
        assertTrue(SingleProcessReference.maxRelativeDifference(sgdAlone.parameters(), adamAlone.parameters()) > 1e-3,
                "the two runs train differently, so a mix-up would show");
    }

    @Test
    void oneTrainerRefusesASecondFitWhileItTrainsAndFitsAgainAfterwards() {
        AtomicReference<Throwable> second = new AtomicReference<>();
        AtomicReference<DistributedTrainer> self = new AtomicReference<>();
        MetricSink startsAnotherFit = new MetricSink() {
            @Override
            public void onStart(RunInfo info) {
                Thread t = new Thread(() -> {
                    try {
                        self.get().fit();
                    } catch (Throwable e) {
                        second.set(e);
                    }
                });
                t.start();
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        DistributedTrainer trainer = builder(7, EngineOptimizer.sgdMomentum(0.1, 0.9), new BarrierTransport()).epochs(1)
                .metricSink(startsAnotherFit).build();
        self.set(trainer);
        TrainingResult first = trainer.fit();
        IllegalStateException e = assertInstanceOf(IllegalStateException.class, second.get());
        assertTrue(e.getMessage().contains("already fitting in another thread") && e.getMessage().contains("sgd optimizer"), e.getMessage());
        assertEquals(List.of(0), first.history().stream().map(EpochStats::epoch).toList());
        // The refused call changed nothing: the trainer fits again, and the second fit inside it is refused again.
        second.set(null);
        assertArrayEquals(first.parameters(), trainer.fit().parameters(), 0f);
        assertInstanceOf(IllegalStateException.class, second.get());
    }
}
