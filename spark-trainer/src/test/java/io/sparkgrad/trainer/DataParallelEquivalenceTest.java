package io.sparkgrad.trainer;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.trainer.optim.EngineOptimizer;
import io.sparkgrad.trainer.reference.ArrayMlp;
import io.sparkgrad.trainer.reference.SyntheticClassification;
import io.sparkgrad.trainer.transport.GradientTransport;
import io.sparkgrad.trainer.transport.barrier.BarrierTransport;
import io.sparkgrad.trainer.transport.stage.StagePerStepTransport;
import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * N Spark workers take the same steps as one process on the same global batches: multinomial logistic regression on
 * 784-dimensional inputs, 2 epochs of 15 steps, 1, 2 and 4 workers, both transports, SGD with momentum and Adam.
 */
class DataParallelEquivalenceTest {

    static final int FEATURES = 784;
    static final int CLASSES = 10;
    static final int BATCH = 32;
    static final int EPOCHS = 2;
    static final long SEED = 11;
    static final SyntheticClassification DATA = new SyntheticClassification(FEATURES, CLASSES, 5);
    static final ReplicaFactory MODEL = ArrayMlp.factory(3, FEATURES, CLASSES);
    static final int[] VALIDATION_SIZES = {70, 60, 71};

    @RegisterExtension
    static final SparkPerClass SPARK = new SparkPerClass("local[4]", "equivalence");

    /** 481 training samples, split unevenly over the workers. */
    static int[] sizes(int workers) {
        return switch (workers) {
            case 1 -> new int[] {481};
            case 2 -> new int[] {230, 251};
            case 4 -> new int[] {100, 130, 90, 161};
            default -> throw new IllegalArgumentException("no split for " + workers);
        };
    }

    static Supplier<DriverOptimizer> optimizer(String name) {
        return name.equals("sgd") ? () -> EngineOptimizer.sgdMomentum(0.1, 0.9) : () -> EngineOptimizer.adam(0.01);
    }

    static TrainingResult fit(int workers, GradientTransport transport, DriverOptimizer opt, JavaRDD<SampleBlock> validation) {
        return fit(workers, transport, opt, validation, false);
    }

    static TrainingResult fit(int workers, GradientTransport transport, DriverOptimizer opt, JavaRDD<SampleBlock> validation,
                              boolean dropLast) {
        return DistributedTrainer.builder()
                .replicaFactory(MODEL).optimizer(opt).globalBatchSize(BATCH).dropLast(dropLast).epochs(EPOCHS).seed(SEED)
                .workers(workers).transport(transport).trainingData(DATA.rdd(SPARK.sc(), sizes(workers), 0))
                .validationData(validation).consoleProgress(false)
                .build().fit();
    }

    @ParameterizedTest(name = "{0} workers, {1}")
    @CsvSource({"1, sgd", "2, sgd", "4, sgd", "1, adam", "2, adam", "4, adam"})
    void distributedRunsFollowTheSingleProcessTrajectory(int workers, String opt) {
        float[] reference = SingleProcessReference.train(MODEL, 1, optimizer(opt).get(), DATA.localBlocks(sizes(workers), 0),
                BATCH, EPOCHS, SEED);
        TrainingResult barrier = fit(workers, new BarrierTransport(), optimizer(opt).get(), null);
        TrainingResult stage = fit(workers, new StagePerStepTransport(), optimizer(opt).get(), null);

        double barrierDiff = SingleProcessReference.maxRelativeDifference(barrier.parameters(), reference);
        assertTrue(barrierDiff <= 1e-4, "barrier transport, " + workers + " workers, " + opt + ": max relative difference " + barrierDiff);
        int bad = SingleProcessReference.firstNotClose(barrier.parameters(), reference, 1e-4, 1e-6);
        assertEquals(-1, bad, () -> "parameter " + bad + ": " + barrier.parameters()[bad] + " vs single process " + reference[bad]);
        // Both transports sum in the same fixed order, so they agree bit for bit.
        assertArrayEquals(barrier.parameters(), stage.parameters(), 0f, "barrier and stage-per-step runs differ");
        assertEquals(EPOCHS, barrier.history().size());
        // 481 samples: 15 steps of 32 and a last step of 1 sample, which 3 of 4 workers sit out.
        assertEquals(16, barrier.history().get(0).steps());
        assertEquals(481L, barrier.history().get(0).trainSamples());
        assertTrue(barrier.history().get(1).trainLoss() < barrier.history().get(0).trainLoss(), "training loss falls");
        float[] init = MODEL.create(1).getParameters();
        assertTrue(SingleProcessReference.maxRelativeDifference(init, reference) > 1e-2, "the run moved the parameters");
    }

    @ParameterizedTest(name = "{0} workers")
    @CsvSource({"1", "4"})
    void droppingTheLastPartialBatchFollowsItsOwnSingleProcessTrajectory(int workers) {
        float[] reference = SingleProcessReference.train(MODEL, 1, optimizer("adam").get(), DATA.localBlocks(sizes(workers), 0),
                BATCH, true, EPOCHS, SEED);
        TrainingResult dropped = fit(workers, new BarrierTransport(), optimizer("adam").get(), null, true);
        int bad = SingleProcessReference.firstNotClose(dropped.parameters(), reference, 1e-4, 1e-6);
        assertEquals(-1, bad, () -> "parameter " + bad + ": " + dropped.parameters()[bad] + " vs single process " + reference[bad]);
        assertEquals(15, dropped.history().get(0).steps());
        assertEquals(15L * BATCH, dropped.history().get(0).trainSamples());
        float[] kept = fit(workers, new BarrierTransport(), optimizer("adam").get(), null, false).parameters();
        assertTrue(SingleProcessReference.maxRelativeDifference(kept, dropped.parameters()) > 1e-4,
                "the 16th step of each epoch moves the parameters");
    }

    @Test
    void validationAndTestEvaluationEqualASingleProcessEvaluation() {
        JavaRDD<SampleBlock> validation = DATA.rdd(SPARK.sc(), VALIDATION_SIZES, 100_000);
        List<SampleBlock> local = DATA.localBlocks(VALIDATION_SIZES, 100_000);
        DistributedTrainer trainer = DistributedTrainer.builder()
                .replicaFactory(MODEL).optimizer(EngineOptimizer.sgdMomentum(0.1, 0.9)).globalBatchSize(BATCH).epochs(1).seed(SEED).workers(2)
                .trainingData(DATA.rdd(SPARK.sc(), sizes(2), 0)).validationData(validation).evaluationChunk(50)
                .consoleProgress(false).build();
        TrainingResult r = trainer.fit();
        StepStats expected = SingleProcessReference.evaluate(MODEL, r.parameters(), local);
        EpochStats last = r.lastEpoch();
        assertEquals(expected.meanLoss(), last.validationLoss(), 1e-9 * Math.abs(expected.meanLoss()));
        assertEquals(expected.accuracy(), last.validationAccuracy(), 0.0);
        assertTrue(last.validationAccuracy() > 0.5, "a learnable problem: validation accuracy " + last.validationAccuracy());

        JavaRDD<SampleBlock> test = DATA.rdd(SPARK.sc(), new int[] {40, 0, 33, 50, 20}, 200_000);
        StepStats distributed = trainer.evaluate(test);
        StepStats single = SingleProcessReference.evaluate(MODEL, r.parameters(), DATA.localBlocks(new int[] {40, 0, 33, 50, 20}, 200_000));
        assertEquals(single.count(), distributed.count());
        assertEquals(single.correct(), distributed.correct());
        assertEquals(single.lossSum(), distributed.lossSum(), 1e-9 * Math.abs(single.lossSum()));
    }

    @Test
    void dataWithAnotherPartitioningIsReshapedToOneBlockPerWorker() {
        int[] uneven = {40, 0, 33, 50, 20};
        JavaRDD<SampleBlock> data = DATA.rdd(SPARK.sc(), uneven, 0);
        DistributedTrainer.Builder b = DistributedTrainer.builder().replicaFactory(MODEL).optimizer(EngineOptimizer.sgdMomentum(0.1, 0.9))
                .globalBatchSize(16).epochs(1).seed(SEED).workers(2).trainingData(data).consoleProgress(false);
        DistributedTrainer trainer = b.build();
        TrainingResult first = trainer.fit();
        assertEquals(9, first.lastEpoch().steps(), "143 samples: 8 steps of 16 and one of 15");
        assertEquals(143L, first.lastEpoch().trainSamples());
        // The reshaping (a shuffle of Kryo-serialized blocks) is deterministic, and every fit() starts from the
        // optimizer state of build time, so a second fit repeats the run exactly.
        assertArrayEquals(first.parameters(), trainer.fit().parameters(), 0f);
    }
}
