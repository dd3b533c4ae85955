package io.sparkgrad.trainer.engine;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.kernel.Parallelism;
import io.sparkgrad.nn.BatchNorm2d;
import io.sparkgrad.nn.Conv2d;
import io.sparkgrad.nn.Flatten;
import io.sparkgrad.nn.Module;
import io.sparkgrad.nn.Sequential;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.trainer.ParameterSlice;
import io.sparkgrad.trainer.ReplicaModel;
import io.sparkgrad.trainer.StepStats;
import io.sparkgrad.trainer.reference.SyntheticClassification;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine as a replica, without Spark: sums, layout, evaluation, threads, and what it refuses. */
class ModuleReplicaTest {

    static final SampleBlock BLOCK = new SyntheticClassification(new int[] {1, 28, 28}, 10, 4).block(0, 0, 40);

    @Test
    void gradientIsTheSumOverTheSliceAndAddsIntoTheBuffer() {
        try (ReplicaModel r = ModuleReplica.factory(MnistModels.TUTORIAL_CNN, 2).create(1)) {
            int[] order = new int[40];
            for (int i = 0; i < 40; i++) {
                order[i] = 39 - i;
            }
            r.train(true);
            float[] whole = new float[r.numParameters()];
            StepStats all = r.computeGradient(BLOCK, order, 0, 40, whole);
            // Two halves added into one buffer give the sum over the whole slice.
            float[] halves = new float[r.numParameters()];
            StepStats a = r.computeGradient(BLOCK, order, 0, 15, halves);
            StepStats b = r.computeGradient(BLOCK, order, 15, 25, halves);
            assertEquals(40, all.count());
            assertEquals(all.lossSum(), a.lossSum() + b.lossSum(), 1e-4 * all.lossSum());
            assertEquals(all.correct(), a.correct() + b.correct());
            for (int i = 0; i < whole.length; i++) {
                assertEquals(whole[i], halves[i], 1e-4 * Math.max(1e-2, Math.abs(whole[i])), "gradient element " + i);
            }
            // The plain engine's gradient of the MEAN loss, times 40.
            Module plain = PlainEngine.model(MnistModels.TUTORIAL_CNN, 2);
            plain.train(true);
            float[] x = new float[40 * 784];
            int[] y = new int[40];
            BLOCK.copyBatch(order, 0, 40, x, y);
            io.sparkgrad.nn.F.crossEntropy(plain.forward(io.sparkgrad.tensor.Tensor.of(x, 40, 1, 28, 28)),
                    io.sparkgrad.tensor.Tensor.ofInts(y, 40)).backward();
            int at = 0;
            for (var p : plain.namedParameters().values()) {
                float[] g = p.grad().toFloatArray();
                for (float v : g) {
                    assertEquals(40 * v, whole[at], 1e-4 * Math.max(1e-2, Math.abs(whole[at])), "gradient element " + at);
                    at++;
                }
            }
            assertEquals(whole.length, at);
        }
    }

    @Test
    void theSumVariantOverwritesTheBufferWithTheSameBits() {
        try (ReplicaModel r = ModuleReplica.factory(MnistModels.TUTORIAL_CNN, 2).create(1)) {
            int[] order = new int[40];
            for (int i = 0; i < 40; i++) {
                order[i] = (i * 7) % 40;
            }
            r.train(true);
            float[] added = new float[r.numParameters()];
            StepStats a = r.computeGradient(BLOCK, order, 3, 30, added);
            float[] overwritten = new float[r.numParameters()];
            java.util.Arrays.fill(overwritten, Float.NaN); // a previous step's leftovers must not show
            StepStats b = r.computeGradientSum(BLOCK, order, 3, 30, overwritten);
            assertArrayEquals(added, overwritten, 0f);
            assertEquals(a, b);
            // The interface's default (zero, then add) agrees with the override.
            float[] viaDefault = new float[r.numParameters()];
            java.util.Arrays.fill(viaDefault, 5f);
            ReplicaModel wrapped = new io.sparkgrad.trainer.ForwardingReplicaModel(r) {
            };
            wrapped.computeGradientSum(BLOCK, order, 3, 30, viaDefault);
            assertArrayEquals(added, viaDefault, 0f);
        }
    }

    @Test
    void parametersRoundTripInPyTorchNamesAndEvaluationMatchesThePlainEngine() {
        try (ModuleReplica r = (ModuleReplica) ModuleReplica.factory(MnistModels.TUTORIAL_CNN, 2).create(1)) {
            List<String> names = new ArrayList<>();
            int total = 0;
            for (ParameterSlice s : r.parameterLayout()) {
                names.add(s.name());
                assertEquals(total, s.offset());
                int n = 1;
                for (int d : s.shape()) {
                    n *= d;
                }
                total += n;
            }
            assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"), names);
            assertEquals(3930, total);
            assertEquals(total, r.numParameters());

            float[] p = r.getParameters();
            for (int i = 0; i < p.length; i++) {
                p[i] *= 1.5f;
            }
            r.setParameters(p);
            assertArrayEquals(p, r.getParameters(), 0f);
            assertThrows(IllegalArgumentException.class, () -> r.setParameters(new float[7]));

            assertEvaluatesAsOnePlainPass(r, MnistModels.TUTORIAL_CNN, BLOCK, 1e-6);
        }
    }

    @Test
    void evaluationChunksAreEvenAndAtMostTheBound() {
        assertEquals(125, ModuleReplica.evenChunk(5000, 128)); // 40 x 125, not 39 x 128 and a tail of 8
        assertEquals(128, ModuleReplica.evenChunk(1280, 128));
        assertEquals(65, ModuleReplica.evenChunk(129, 128)); // 65 + 64
        assertEquals(7, ModuleReplica.evenChunk(7, 128));
        assertEquals(128, ModuleReplica.evenChunk(0, 128));
        for (int n = 1; n < 2000; n += 37) {
            int c = ModuleReplica.evenChunk(n, 128);
            int chunks = (n + c - 1) / c;
            assertTrue(c <= 128 && chunks == (n + 127) / 128 && n - (chunks - 1) * c >= c - chunks + 1, "n=" + n + " chunk " + c);
        }
        assertThrows(IllegalArgumentException.class, () -> ModuleReplica.evenChunk(10, 0));
    }

    @Test
    void anEvaluationInSeveralChunksEqualsOneWholePass() {
        SampleBlock block = new SyntheticClassification(new int[] {1, 28, 28}, 10, 9).block(0, 0, 300); // 3 chunks of 100
        try (ReplicaModel r = ModuleReplica.factory(MnistModels.MNIST_CNN, 3).create(1)) {
            assertEvaluatesAsOnePlainPass(r, MnistModels.MNIST_CNN, block, 1e-5);
        }
    }

    /**
     * {@code r}'s evaluation of all of {@code block} in eval mode against the plain engine's model of {@code spec} with
     * the same weights, evaluated in one pass: the same count and accuracy, the mean loss within {@code relTol}.
     */
    private static void assertEvaluatesAsOnePlainPass(ReplicaModel r, MnistModels spec, SampleBlock block, double relTol) {
        Module plain = PlainEngine.model(spec, 0);
        PlainEngine.load(plain, r.getParameters());
        double[] whole = PlainEngine.evaluate(plain, List.of(block), 1024);
        r.train(false);
        StepStats s = r.evaluate(block, 0, block.size());
        assertEquals(block.size(), s.count());
        assertEquals(whole[1], s.accuracy(), 0.0);
        assertEquals(whole[0], s.meanLoss(), relTol * whole[0]);
    }

    @Test
    void theThreadCountIsTheReplicasWhileItComputesAndUntouchedWhenItIsBuilt() {
        int before = Parallelism.numThreads();
        try {
            Parallelism.setNumThreads(3);
            ReplicaModel r = ModuleReplica.factory(MnistModels.LOGISTIC, 1).create(2);
            assertEquals(3, Parallelism.numThreads(), "building a replica leaves the JVM's count alone");
            r.computeGradient(BLOCK, new int[] {0, 1, 2}, 0, 3, new float[r.numParameters()]);
            assertEquals(2, Parallelism.numThreads(), "a replica computes at its own count");
            assertThrows(IllegalArgumentException.class, () -> ModuleReplica.factory(MnistModels.LOGISTIC, 1).create(0));
        } finally {
            Parallelism.setNumThreads(before);
        }
    }

    @Test
    void theSameSeedBuildsTheSameWeightsAndOthersDiffer() {
        float[] a = ModuleReplica.factory(MnistModels.MNIST_CNN, 5).create(1).getParameters();
        float[] b = ModuleReplica.factory(MnistModels.MNIST_CNN, 5).create(1).getParameters();
        float[] c = ModuleReplica.factory(MnistModels.MNIST_CNN, 6).create(1).getParameters();
        assertArrayEquals(a, b, 0f);
        assertTrue(a[0] != c[0] || a[1] != c[1], "another seed, other weights");
        assertEquals(207_178, a.length); // mnist-cnn: 416 + 4,640 + 200,832 + 1,290
    }

    @Test
    void aModelWithBuffersIsRefusedNamingThem() {
        Module bn = new Sequential(new Conv2d(1, 4, 3), new BatchNorm2d(4), new Flatten());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ModuleReplica(bn, new Generator(1), 1));
        assertTrue(e.getMessage().contains("running_mean"), e.getMessage());
    }
}
