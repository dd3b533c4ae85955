package io.sparkgrad.trainer.engine;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.nn.Module;
import io.sparkgrad.nn.Parameter;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import io.sparkgrad.trainer.DistributedTrainer;
import io.sparkgrad.trainer.ReplicaFactory;
import io.sparkgrad.trainer.ReplicaModel;
import io.sparkgrad.trainer.SingleProcessReference;
import io.sparkgrad.trainer.SparkPerClass;
import io.sparkgrad.trainer.TrainingResult;
import io.sparkgrad.trainer.reference.SyntheticClassification;
import io.sparkgrad.trainer.transport.stage.StagePerStepTransport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A module that keeps its parameters in fields, as the tutorial's stage 3 does ({@code weights = registerParameter(...)},
 * forward reads the fields), trains through {@link DistributedTrainer}: the replica's flat buffers are what its fields
 * read and write, so its gradients are non-zero, the weights move, and 2 workers follow the single-process trajectory
 * of the same module on the same global batches.
 */
class FieldHoldingModuleTest {

    static final int FEATURES = 784;
    static final int CLASSES = 10;
    static final int BATCH = 32;
    static final int EPOCHS = 2;
    static final long SEED = 11;
    static final long INIT_SEED = 3;
    static final SyntheticClassification DATA = new SyntheticClassification(FEATURES, CLASSES, 5);
    static final int[] SIZES = {230, 251};

    /** The tutorial's {@code Mnist_Logistic}, with its initial weights drawn from a seeded generator. */
    static final class FieldLogistic extends Module {
        final Parameter weights;
        final Parameter bias;

        FieldLogistic(long seed) {
            weights = registerParameter("weights", new Parameter(Tensor.randn(new Generator(seed), FEATURES, CLASSES)
                    .div((float) Math.sqrt(FEATURES))));
            bias = registerParameter("bias", new Parameter(Tensor.zeros(CLASSES)));
        }

        @Override
        public Tensor forward(Tensor xb) {
            return xb.matmul(weights).add(bias);
        }
    }

    static final ReplicaFactory FACTORY = threads -> new ModuleReplica(new FieldLogistic(INIT_SEED), new Generator(INIT_SEED), threads);

    @RegisterExtension
    static final SparkPerClass SPARK = new SparkPerClass("local[2]", "field-holding-module");

    @Test
    void theReplicaComputesThroughTheFieldsIntoTheFlatGradient() {
        List<SampleBlock> parts = DATA.localBlocks(SIZES, 0);
        try (ReplicaModel replica = FACTORY.create(1)) {
            FieldLogistic model = (FieldLogistic) ((ModuleReplica) replica).model();
            assertSame(model.weights, model.parameters().get(0), "the field still holds the module's parameter");
            int[] order = new int[BATCH];
            for (int i = 0; i < BATCH; i++) {
                order[i] = i;
            }
            float[] grad = new float[replica.numParameters()];
            replica.train(true);
            replica.computeGradient(parts.get(0), order, 0, BATCH, grad);
            double norm = 0;
            for (float g : grad) {
                norm += (double) g * g;
            }
            assertTrue(norm > 1e-6, "the summed gradient of a field-holding module is non-zero (squared norm " + norm + ")");

            // Weights set through the flat buffer (as the driver broadcasts them) are what the fields read.
            float[] w = replica.getParameters();
            w[0] += 1f;
            replica.setParameters(w);
            assertEquals(w[0], model.weights.getFloat(0, 0));
        }
    }

    @Test
    void distributedTrainingFollowsTheSingleProcessTrajectoryOfTheSameModule() {
        List<SampleBlock> parts = DATA.localBlocks(SIZES, 0);
        PlainEngine.Opt opt = PlainEngine.Opt.SGD_MOMENTUM;

        // One process, the module as a user trains it: no flat buffers, optim.SGD over model.parameters().
        FieldLogistic plain = new FieldLogistic(INIT_SEED);
        float[] init = PlainEngine.flatten(plain);
        PlainEngine.train(plain, opt, parts, BATCH, EPOCHS, SEED);
        float[] expected = PlainEngine.flatten(plain);
        assertTrue(EngineEquivalenceTest.Comparison.of(init, expected).maxAbsolute() > 1e-2, "the single-process run moves the weights");

        // One process through the trainer's replica and driver optimizer (the reference DataParallelEquivalenceTest uses).
        float[] replicaReference = SingleProcessReference.train(FACTORY, 1, opt.driver(), parts, BATCH, EPOCHS, SEED);

        TrainingResult distributed = DistributedTrainer.builder()
                .replicaFactory(FACTORY).optimizer(opt.driver()).globalBatchSize(BATCH).epochs(EPOCHS).seed(SEED)
                .workers(SIZES.length).transport(new StagePerStepTransport()).trainingData(DATA.rdd(SPARK.sc(), SIZES, 0))
                .consoleProgress(false).build().fit();
        float[] actual = distributed.parameters();

        assertTrue(EngineEquivalenceTest.Comparison.of(init, actual).maxAbsolute() > 1e-2, "the distributed run moves the weights");
        EngineEquivalenceTest.Comparison c = EngineEquivalenceTest.Comparison.of(actual, expected);
        int bad = c.firstOutside(EngineEquivalenceTest.RTOL, EngineEquivalenceTest.ATOL);
        assertEquals(-1, bad, () -> "parameter " + bad + ": " + actual[bad] + " distributed vs " + expected[bad]
                + " single process (max relative difference " + c.maxRelative() + ")");
        int badReplica = SingleProcessReference.firstNotClose(actual, replicaReference, 1e-4, 1e-6);
        assertEquals(-1, badReplica, () -> "parameter " + badReplica + ": " + actual[badReplica] + " distributed vs "
                + replicaReference[badReplica] + " single-process replica");
        assertEquals(EPOCHS, distributed.history().size());
        assertEquals((SIZES[0] + SIZES[1] + BATCH - 1) / BATCH, distributed.history().get(0).steps());
        assertTrue(distributed.history().get(1).trainLoss() < distributed.history().get(0).trainLoss(),
                "training loss falls: " + distributed.history());
    }
}
