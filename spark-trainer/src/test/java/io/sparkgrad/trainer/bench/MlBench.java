package io.sparkgrad.trainer.bench;

import io.sparkgrad.ingest.mnist.MnistCache;
import io.sparkgrad.ingest.mnist.MnistSubset;
import io.sparkgrad.ingest.mnist.PixelScaling;
import io.sparkgrad.ingest.spark.MnistFrames;
import io.sparkgrad.nn.spec.NamedSpec;
import io.sparkgrad.trainer.LocalSpark;
import io.sparkgrad.trainer.ml.SparkgradClassifier;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Sparkgrad's Spark ML estimator against Spark MLlib's {@code MultilayerPerceptronClassifier} on MNIST (issue 15): the
 * same DataFrame ({@code label}, {@code features} a Vector of the pixels / 255), the same {@code Pipeline} shape (the
 * estimator as its one stage), the same Spark ({@code local[2]}). Each run is timed from {@code Pipeline.fit} on the
 * training frame to the test accuracy of {@code MulticlassClassificationEvaluator} on the fitted pipeline's transform of
 * the test frame; the frames are loaded and cached before. One line per run:
 *
 * <pre>
 * RESULT bench=ml estimator=mllib layers=784-128-10 test_accuracy=0.9720 seconds=139.0
 * RESULT bench=ml estimator=sparkgrad layers=784-128-10 test_accuracy=... seconds=...
 * RESULT bench=ml estimator=sparkgrad layers=mnist-cnn test_accuracy=... seconds=...
 * </pre>
 *
 * {@code layers} is {@code 784-128-10} for both multilayer perceptrons (Sparkgrad's spec
 * {@code linear(128) relu linear(10)} on input {@code [784]}, MLlib's layers {@code [784, 128, 10]}) and
 * {@code mnist-cnn} for the named convolutional spec on input {@code [1, 28, 28]}; a {@code #} line before each
 * {@code RESULT} gives the spec text and the settings. Before the measured runs each estimator fits once on a small
 * slice (untimed) so that no run pays for the JIT or Spark's first jobs alone.
 *
 * <p>Defaults: MLlib with 100 L-BFGS iterations and its default block size; Sparkgrad with Adam, 2 workers, global
 * batch 64 for the MLP and 128 for the CNN (see the options for the learning rates and epochs). {@code --train-samples}/{@code --test-samples} take the
 * first so many images for a quick run.
 */
@Command(name = "bench ml", mixinStandardHelpOptions = true,
        description = "Sparkgrad's SparkgradClassifier against MLlib's MultilayerPerceptronClassifier in the same Pipeline on MNIST.")
public final class MlBench implements Callable<Integer> {

    /** Sparkgrad's multilayer perceptron, the same network as MLlib's layers 784-128-10. */
    static final String MLP_SPEC = "linear(128) relu linear(10)";

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--master", defaultValue = "local[2]", description = "Spark master (default ${DEFAULT-VALUE}).")
    String master;

    @Option(names = "--mnist-dir", description = "Folder of the four MNIST IDX files (raw or .gz; default: the MNIST cache, "
            + "~/.cache/sparkgrad/mnist, downloaded when missing).")
    String mnistDir;

    @Option(names = "--estimators", split = ",", defaultValue = "mllib,sparkgrad",
            description = "Estimators to run, in this order: mllib, sparkgrad (default ${DEFAULT-VALUE}).")
    List<String> estimators;

    @Option(names = "--models", split = ",", defaultValue = "mlp,cnn",
            description = "Sparkgrad's models: mlp (784-128-10), cnn (mnist-cnn) (default ${DEFAULT-VALUE}).")
    List<String> models;

    @Option(names = "--max-iter", defaultValue = "100", description = "MLlib's L-BFGS iterations (default ${DEFAULT-VALUE}).")
    int maxIter;

    @Option(names = "--epochs", description = "Sparkgrad's epochs for every model (default: --mlp-epochs, --cnn-epochs).")
    Integer epochs;

    @Option(names = "--mlp-epochs", defaultValue = "10", description = "Sparkgrad MLP's epochs (default ${DEFAULT-VALUE}).")
    int mlpEpochs;

    @Option(names = "--cnn-epochs", defaultValue = "4", description = "Sparkgrad CNN's epochs (default ${DEFAULT-VALUE}).")
    int cnnEpochs;

    @Option(names = "--mlp-lr", defaultValue = "0.002", description = "Sparkgrad MLP's Adam learning rate (default ${DEFAULT-VALUE}).")
    double mlpLr;

    @Option(names = "--cnn-lr", defaultValue = "0.006", description = "Sparkgrad CNN's Adam learning rate (default ${DEFAULT-VALUE}).")
    double cnnLr;

    @Option(names = "--lr-schedule", defaultValue = "cosine",
            description = "Sparkgrad's learning-rate schedule: constant or cosine (to 0 over the fit; default ${DEFAULT-VALUE}).")
    String lrSchedule;

    @Option(names = "--batch-size", description = "Sparkgrad's global batch for every model (default: --mlp-batch-size, --cnn-batch-size).")
    Integer batchSize;

    @Option(names = "--mlp-batch-size", defaultValue = "64", description = "Sparkgrad MLP's global batch (default ${DEFAULT-VALUE}).")
    int mlpBatchSize;

    // Half the steps of batch 64 for the same images: the CNN's step costs more in synchronisation than in arithmetic.
    @Option(names = "--cnn-batch-size", defaultValue = "128", description = "Sparkgrad CNN's global batch (default ${DEFAULT-VALUE}).")
    int cnnBatchSize;

    @Option(names = "--workers", defaultValue = "2", description = "Sparkgrad's workers (default ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--train-samples", defaultValue = "0",
            description = "Train on the first N training images; 0: all 60,000 (default ${DEFAULT-VALUE}).")
    int trainSamples;

    @Option(names = "--test-samples", defaultValue = "0",
            description = "Test on the first N test images; 0: all 10,000 (default ${DEFAULT-VALUE}).")
    int testSamples;

    @Option(names = "--warmup", negatable = true, defaultValue = "true",
            description = "Fit each estimator once on 1,000 images, untimed, before the measured runs (default ${DEFAULT-VALUE}).")
    boolean warmup;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of both estimators (default ${DEFAULT-VALUE}).")
    long seed;

    /** Where the RESULT and # lines go. */
    private final PrintStream out;

    public MlBench() {
        this(System.out);
    }

    MlBench(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new MlBench()).execute(args));
    }

    /** One measured configuration: what the RESULT line names it, the stage, and a description for the # line. */
    record Run(String estimator, String layers, PipelineStage stage, String settings) {
    }

    @Override
    public Integer call() throws Exception {
        for (String e : estimators) {
            if (!e.equals("mllib") && !e.equals("sparkgrad")) {
                throw new ParameterException(spec.commandLine(), "--estimators: unknown estimator '" + e + "'; allowed: mllib, sparkgrad");
            }
        }
        for (String m : models) {
            if (!m.equals("mlp") && !m.equals("cnn")) {
                throw new ParameterException(spec.commandLine(), "--models: unknown model '" + m + "'; allowed: mlp, cnn");
            }
        }
        if (trainSamples < 0 || testSamples < 0) {
            throw new ParameterException(spec.commandLine(), "--train-samples and --test-samples must be 0 (all) or positive");
        }
        String dir = mnistDir != null && !mnistDir.isBlank() ? mnistDir
                : MnistCache.ensure(MnistCache.defaultDir(), true, System.err::println).toUri().toString();
        // MLlib's stages ship Spark-internal classes that the trainer's Kryo registrator does not list.
        SparkSession spark = LocalSpark.start(master, "sparkgrad-ml-bench", Map.of("spark.kryo.registrationRequired", "false"));
        spark.sparkContext().setLogLevel("WARN");
        try {
            Dataset<Row> train = frame(spark, dir, MnistSubset.TRAIN, trainSamples);
            Dataset<Row> test = frame(spark, dir, MnistSubset.TEST, testSamples);
            long nTrain = train.count();
            long nTest = test.count();
            out.printf(Locale.ROOT, "# master=%s cores=%d java=%s train=%d test=%d%n", master, Runtime.getRuntime().availableProcessors(),
                    System.getProperty("java.version"), nTrain, nTest);
            if (estimators.contains("mllib")) {
                // MLlib's layers multiply through this BLAS; a native one with several threads per task (OpenBLAS's
                // default) oversubscribes local[N] and slows MLlib down under load: the line says which one ran.
                out.printf(Locale.ROOT, "# mllib blas=%s OPENBLAS_NUM_THREADS=%s%n", mllibBlas(),
                        System.getenv().getOrDefault("OPENBLAS_NUM_THREADS", "unset"));
            }
            List<Run> runs = runs();
            if (warmup) {
                Dataset<Row> slice = train.limit(1000).cache();
                for (Run r : warmupRuns(runs)) {
                    new Pipeline().setStages(new PipelineStage[] {r.stage()}).fit(slice).transform(slice).count();
                }
                slice.unpersist();
            }
            MulticlassClassificationEvaluator accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy");
            for (Run r : runs) {
                out.printf(Locale.ROOT, "# %s %s%n", r.estimator(), r.settings());
                long t0 = System.nanoTime();
                PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {r.stage()}).fit(train);
                double acc = accuracy.evaluate(fitted.transform(test));
                double seconds = (System.nanoTime() - t0) / 1e9;
                out.println(resultLine(r.estimator(), r.layers(), acc, seconds));
                out.flush();
            }
        } finally {
            spark.stop();
        }
        return 0;
    }

    /** The class of the BLAS MLlib multiplies with (Spark's {@code ml.linalg.BLAS.nativeBLAS}: JNI, or Java as a fallback). */
    static String mllibBlas() {
        try {
            Class<?> blas = Class.forName("org.apache.spark.ml.linalg.BLAS$");
            Object nativeBlas = blas.getMethod("nativeBLAS").invoke(blas.getField("MODULE$").get(null));
            return nativeBlas.getClass().getSimpleName();
        } catch (ReflectiveOperationException | LinkageError e) {
            return "unknown(" + e + ")";
        }
    }

    /** The RESULT line of one run. */
    static String resultLine(String estimator, String layers, double testAccuracy, double seconds) {
        return String.format(Locale.ROOT, "RESULT bench=ml estimator=%s layers=%s test_accuracy=%.4f seconds=%.1f", estimator, layers,
                testAccuracy, seconds);
    }

    /** The measured runs, in the order of {@code --estimators}, Sparkgrad's in the order of {@code --models}. */
    List<Run> runs() {
        List<Run> runs = new ArrayList<>();
        for (String e : estimators) {
            if (e.equals("mllib")) {
                runs.add(mllib(maxIter));
            } else {
                for (String m : models) {
                    runs.add(m.equals("mlp") ? sparkgrad("784-128-10", MLP_SPEC, new int[] {784}, mlpLr, epochs != null ? epochs : mlpEpochs,
                                    batchSize != null ? batchSize : mlpBatchSize)
                            : sparkgrad(NamedSpec.MNIST_CNN.name(), NamedSpec.MNIST_CNN.spec().toString(), NamedSpec.MNIST_CNN.inputShapeArray(),
                                    cnnLr, epochs != null ? epochs : cnnEpochs, batchSize != null ? batchSize : cnnBatchSize));
                }
            }
        }
        return runs;
    }

    /** One short fit of each estimator and model: 2 L-BFGS iterations, 1 epoch. */
    private List<Run> warmupRuns(List<Run> runs) {
        List<Run> w = new ArrayList<>();
        for (Run r : runs) {
            if (r.stage() instanceof SparkgradClassifier c) {
                w.add(new Run(r.estimator(), r.layers(), c.copy(new org.apache.spark.ml.param.ParamMap()).setEpochs(1), "warm-up"));
            } else {
                w.add(mllib(2));
            }
        }
        return w;
    }

    private Run mllib(int iterations) {
        // The configuration: L-BFGS (MLlib's default solver, named so a changed default cannot move it) and MLlib's
        // default block size, on the same frame as Sparkgrad's runs.
        MultilayerPerceptronClassifier mlp = new MultilayerPerceptronClassifier().setLayers(new int[] {784, 128, 10})
                .setSolver("l-bfgs").setMaxIter(iterations).setSeed(seed);
        return new Run("mllib", "784-128-10", mlp, String.format(Locale.ROOT, "MultilayerPerceptronClassifier layers=[784, 128, 10] "
                + "solver=%s maxIter=%d blockSize=%d", mlp.getSolver(), iterations, mlp.getBlockSize()));
    }

    private Run sparkgrad(String name, String layers, int[] shape, double lr, int epochCount, int batch) {
        SparkgradClassifier clf = new SparkgradClassifier().setLayers(layers).setInputShape(shape).setOptimizer("adam")
                .setLearningRate(lr).setLrSchedule(lrSchedule).setBatchSize(batch).setEpochs(epochCount).setWorkers(workers).setSeed(seed);
        return new Run("sparkgrad", name, clf, String.format(Locale.ROOT, "SparkgradClassifier layers='%s' inputShape=%s optimizer=adam "
                + "lr=%s batchSize=%d epochs=%d workers=%d", layers, java.util.Arrays.toString(shape), lr, batch, epochCount, workers));
    }

    /** {@code label} (int) and {@code features} (a dense Vector of the pixels / 255) of a part of MNIST, cached. */
    private static Dataset<Row> frame(SparkSession spark, String dir, MnistSubset subset, int limit) throws Exception {
        Dataset<Row> df = MnistFrames.load(spark, dir, subset, 2, MnistFrames.ImageColumn.FLOATS, PixelScaling.DIV_255);
        if (limit > 0) {
            df = df.limit(limit).repartition(2);
        }
        return df.select(functions.col("label"), org.apache.spark.ml.functions.array_to_vector(functions.col("image")).as("features"))
                .cache();
    }
}
