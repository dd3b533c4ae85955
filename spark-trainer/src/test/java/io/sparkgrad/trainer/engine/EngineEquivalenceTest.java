package io.sparkgrad.trainer.engine;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.ingest.mnist.Mnist;
import io.sparkgrad.ingest.mnist.MnistSplit;
import io.sparkgrad.ingest.mnist.PixelScaling;
import io.sparkgrad.kernel.Parallelism;
import io.sparkgrad.nn.Module;
import io.sparkgrad.trainer.DistributedTrainer;
import io.sparkgrad.trainer.LocalSpark;
import io.sparkgrad.trainer.ReplicaFactory;
import io.sparkgrad.trainer.ReplicaModel;
import io.sparkgrad.trainer.TrainingResult;
import io.sparkgrad.trainer.transport.GradientTransport;
import io.sparkgrad.trainer.transport.barrier.BarrierTransport;
import io.sparkgrad.trainer.transport.stage.StagePerStepTransport;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine on Spark takes the same steps as the engine alone: the tutorial CNN, trained on 500 real MNIST images for
 * 2 epochs of 15 global batches of 32, with 1, 2 and 4 workers, both transports, SGD with momentum and Adam, ends with
 * the parameters that plain core-tensor ({@link PlainEngine}: Module, {@code optim.SGD}/{@code optim.Adam}, mean
 * cross-entropy) reaches on the same global batches from the same initial weights.
 *
 * <p>The driver's own engine thread count is set to 3 first, and every run must leave it so (in local mode the tasks,
 * which compute at their 1 cpu, run in the driver's JVM; {@link TaskThreadsTest} checks the tasks' count).
 */
class EngineEquivalenceTest {

    static final Path SUBSET = Path.of("..", "data-ingest", "src", "test", "resources", "mnist-subset");
    static final int BATCH = 32;
    static final int EPOCHS = 2;
    static final long SEED = 5;
    static final long INIT_SEED = 42;
    static final int DRIVER_THREADS = 3;
    /**
     * Relative tolerance of the equivalence, and the absolute floor for parameters near zero: the golden cases'
     * default (rel 1e-4, abs 1e-5). Workers send loss sums that the driver divides, the plain engine takes the mean
     * loss, so float rounding differs; Adam divides by sqrt(v) and turns that rounding in a near-zero gradient into up
     * to a few 1e-6 of a parameter after dozens of steps (seen: 2.6e-6 on a parameter of 6.9e-3), far below one step
     * of lr 1e-2.
     */
    static final double RTOL = 1e-4;
    static final double ATOL = 1e-5;

    static SparkSession spark;
    static JavaSparkContext sc;
    static SampleBlock all;
    static int driverThreadsBefore;

    @BeforeAll
    static void start() throws Exception {
        spark = LocalSpark.start("local[4]", "engine-equivalence");
        sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        // The 300 training and 200 test images of the subset kept in data-ingest's test resources: 500 real samples.
        Mnist mnist = Mnist.in(SUBSET);
        MnistSplit a = mnist.load(false, 0, 300, PixelScaling.DIV_256);
        MnistSplit b = mnist.load(true, 0, 200, PixelScaling.DIV_256);
        float[] x = Arrays.copyOf(a.images(), (a.count() + b.count()) * MnistSplit.PIXELS);
        System.arraycopy(b.images(), 0, x, a.count() * MnistSplit.PIXELS, b.count() * MnistSplit.PIXELS);
        int[] y = Arrays.copyOf(a.labels(), a.count() + b.count());
        System.arraycopy(b.labels(), 0, y, a.count(), b.count());
        all = new SampleBlock(0, x, y, MnistSplit.sampleShape());
        driverThreadsBefore = Parallelism.numThreads();
        Parallelism.setNumThreads(DRIVER_THREADS);
    }

    @AfterAll
    static void stop() {
        Parallelism.setNumThreads(driverThreadsBefore);
        spark.stop();
    }

    /** 500 samples split unevenly, so that the batch plan splits every step unevenly too. */
    static List<SampleBlock> partitions(int workers) {
        int[] sizes = switch (workers) {
            case 1 -> new int[] {500};
            case 2 -> new int[] {230, 270};
            case 4 -> new int[] {100, 140, 110, 150};
            default -> throw new IllegalArgumentException("no split for " + workers + " workers");
        };
        List<SampleBlock> out = new ArrayList<>();
        int at = 0;
        int per = all.featureSize();
        for (int p = 0; p < sizes.length; p++) {
            out.add(new SampleBlock(p, Arrays.copyOfRange(all.features(), at * per, (at + sizes[p]) * per),
                    Arrays.copyOfRange(all.labels(), at, at + sizes[p]), all.featureShape()));
            at += sizes[p];
        }
        return out;
    }

    static TrainingResult fit(ReplicaFactory factory, List<SampleBlock> parts, GradientTransport transport, PlainEngine.Opt opt) {
        JavaRDD<SampleBlock> data = sc.parallelize(parts, parts.size());
        return DistributedTrainer.builder()
                .replicaFactory(factory).optimizer(opt.driver()).globalBatchSize(BATCH).epochs(EPOCHS).seed(SEED)
                .workers(parts.size()).transport(transport).trainingData(data).consoleProgress(false)
                .build().fit();
    }

    @ParameterizedTest(name = "{0} workers, {1}")
    @CsvSource({"1, SGD_MOMENTUM", "2, SGD_MOMENTUM", "4, SGD_MOMENTUM", "1, ADAM", "2, ADAM", "4, ADAM"})
    void distributedEngineFollowsThePlainEngine(int workers, PlainEngine.Opt opt) {
        ReplicaFactory factory = ModuleReplica.factory(MnistModels.TUTORIAL_CNN, INIT_SEED);
        List<SampleBlock> parts = partitions(workers);

        Module plain = PlainEngine.model(MnistModels.TUTORIAL_CNN, INIT_SEED);
        float[] init = PlainEngine.flatten(plain);
        try (ReplicaModel replica = factory.create(1)) {
            assertArrayEquals(init, replica.getParameters(), 0f, "the replica starts from the plain model's initial weights");
        }
        PlainEngine.train(plain, opt, parts, BATCH, EPOCHS, SEED);
        float[] expected = PlainEngine.flatten(plain);

        TrainingResult barrier = fit(factory, parts, new BarrierTransport(), opt);
        assertEquals(DRIVER_THREADS, Parallelism.numThreads(), "the driver's engine thread count after a barrier run");
        TrainingResult stage = fit(factory, parts, new StagePerStepTransport(), opt);
        assertEquals(DRIVER_THREADS, Parallelism.numThreads(), "the driver's engine thread count after a stage-per-step run");

        Comparison c = Comparison.of(barrier.parameters(), expected);
        System.out.printf(Locale.ROOT, "engine equivalence: tutorial-cnn %d workers %s: max relative difference %.3g (parameters "
                + "of magnitude >= 1e-2), max absolute difference %.3g, worst element %d%n", workers, opt, c.maxRelative(),
                c.maxAbsolute(), c.worst());
        assertEquals(-1, c.firstOutside(RTOL, ATOL), () -> "parameter " + c.firstOutside(RTOL, ATOL) + " of " + workers
                + " workers, " + opt + ": " + barrier.parameters()[c.firstOutside(RTOL, ATOL)] + " vs the plain engine's "
                + expected[c.firstOutside(RTOL, ATOL)] + " (max relative difference " + c.maxRelative() + ")");
        // Both transports add the workers' sums in the same fixed order, and the replicas compute with the same thread
        // count, so the two runs agree bit for bit.
        assertArrayEquals(barrier.parameters(), stage.parameters(), 0f, "barrier and stage-per-step runs differ");
        assertEquals(EPOCHS, barrier.history().size());
        assertEquals((500 + BATCH - 1) / BATCH, barrier.history().get(0).steps(), "the last step takes the 20 left over");
        assertTrue(Comparison.of(init, expected).maxAbsolute() > 1e-2, "the run moved the parameters");
        assertTrue(barrier.history().get(1).trainLoss() < barrier.history().get(0).trainLoss(),
                "training loss falls: " + barrier.history());
    }

    /** Element-wise comparison of two parameter vectors. */
    record Comparison(float[] a, float[] b, double maxRelative, double maxAbsolute, int worst) {

        /**
         * {@code maxRelative} is {@code max |a-b| / max(|a|,|b|)} over the elements of magnitude at least 1e-2 (below
         * that, a relative difference measures float rounding against a value that happens to be near zero, which
         * the absolute floor of {@link #firstOutside} covers); {@code worst} is where it is reached.
         */
        static Comparison of(float[] a, float[] b) {
            assertEquals(a.length, b.length, "parameter vectors of different lengths");
            double rel = 0;
            double abs = 0;
            int worst = -1;
            for (int i = 0; i < a.length; i++) {
                double d = Math.abs((double) a[i] - b[i]);
                double m = Math.max(Math.abs(a[i]), Math.abs(b[i]));
                abs = Math.max(abs, d);
                if (m >= 1e-2 && d / m > rel) {
                    rel = d / m;
                    worst = i;
                }
            }
            return new Comparison(a, b, rel, abs, worst);
        }

        /** The first element with {@code |a-b| > rtol * max(|a|,|b|) + atol} (or a NaN), or -1. */
        int firstOutside(double rtol, double atol) {
            for (int i = 0; i < a.length; i++) {
                double d = Math.abs((double) a[i] - b[i]);
                if (!(d <= rtol * Math.max(Math.abs(a[i]), Math.abs(b[i])) + atol)) {
                    return i;
                }
            }
            return -1;
        }
    }
}
