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

import io.sparkgrad.optim.OptimizerState;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each {@code fit()} is its own {@link TrainingRun}: two trainers on one SparkContext, trained from two driver
 * threads at once, take exactly the steps each takes alone; so do two fits of one trainer at once, each with its own
 * optimizer copy and run id, unless they would share a checkpoint folder or an optimizer that cannot copy itself.
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
    void oneTrainerFittingFromTwoThreadsAtOnceGivesTwoIdenticalResultsEqualToItsRunAlone() throws Exception {
        AtomicBoolean meet = new AtomicBoolean();
        CyclicBarrier bothStarted = new CyclicBarrier(2);
        Set<String> runIds = ConcurrentHashMap.newKeySet();
        MetricSink startTogether = new MetricSink() {
            @Override
            public void onStart(RunInfo info) {
                runIds.add(info.runId());
                if (meet.get()) {
                    // Neither run takes a step before the other has started: they train at the same time.
                    try {
                        bothStarted.await(60, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new IllegalStateException("the other fit did not start", e);
                    }
                }
            }
        };
        DistributedTrainer trainer = builder(7, EngineOptimizer.sgdMomentum(0.1, 0.9), new BarrierTransport()).metricSink(startTogether).build();
        TrainingResult alone = trainer.fit();
        runIds.clear();
        meet.set(true);
        ExecutorService drivers = Executors.newFixedThreadPool(2);
        try {
            Future<TrainingResult> a = drivers.submit(trainer::fit);
            Future<TrainingResult> b = drivers.submit(trainer::fit);
            for (TrainingResult r : List.of(a.get(), b.get())) {
                assertArrayEquals(alone.parameters(), r.parameters(), 0f, "a concurrent fit of the same trainer differs from its fit alone");
                assertEquals(alone.history().stream().map(e -> List.of(e.trainLoss(), e.trainAccuracy(), e.validationLoss())).toList(),
                        r.history().stream().map(e -> List.of(e.trainLoss(), e.trainAccuracy(), e.validationLoss())).toList());
            }
        } finally {
            drivers.shutdownNow();
        }
        assertEquals(2, runIds.size(), "each concurrent fit has its own run id (job groups, replica pools): " + runIds);
        assertTrue(runIds.contains(trainer.runId()), runIds.toString());
    }

    @Test
    void aSecondFitAtOnceIsRefusedWhenItWouldShareACheckpointFolderOrAnOptimizerThatCannotCopy(@TempDir Path dir) {
        String folder = secondFitDuring(builder(7, EngineOptimizer.sgdMomentum(0.1, 0.9), new BarrierTransport())
                .checkpointDir(dir.resolve("ckpt").toUri().toString()));
        assertTrue(folder.contains("already fitting in another thread") && folder.contains("ckpt") && folder.contains("one folder"), folder);

        EngineOptimizer sgd = EngineOptimizer.sgdMomentum(0.1, 0.9);
        DriverOptimizer uncopyable = new DriverOptimizer() {
            @Override
            public void step(float[] params, float[] meanGrad) {
                sgd.step(params, meanGrad);
            }

            @Override
            public OptimizerState state() {
                return sgd.state();
            }

            @Override
            public void restore(OptimizerState state) {
                sgd.restore(state);
            }

            @Override
            public DriverOptimizer copy() {
                return this;
            }

            @Override
            public String name() {
                return sgd.name();
            }

            @Override
            public Map<String, Object> config() {
                return sgd.config();
            }
        };
        String shared = secondFitDuring(builder(7, uncopyable, new BarrierTransport()));
        assertTrue(shared.contains("already fitting in another thread") && shared.contains("copy() returns itself"), shared);
    }

    /** Fits once, starting a second fit of the same trainer while the first runs; returns why the second was refused. */
    static String secondFitDuring(DistributedTrainer.Builder b) {
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
        DistributedTrainer trainer = b.epochs(1).metricSink(startsAnotherFit).build();
        self.set(trainer);
        TrainingResult first = trainer.fit();
        assertEquals(List.of(0), first.history().stream().map(EpochStats::epoch).toList(), "the first fit trained");
        return assertInstanceOf(IllegalStateException.class, second.get()).getMessage();
    }
}
