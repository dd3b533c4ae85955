package io.sparkgrad.job;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkgrad.conf.ClusterManager;
import io.sparkgrad.conf.DeviceType;
import io.sparkgrad.conf.JobConfig;
import io.sparkgrad.conf.LoadedConfig;
import io.sparkgrad.conf.TrainingConfig;
import io.sparkgrad.cuda.CudaDetection;
import io.sparkgrad.trainer.DistributedTrainer;
import io.sparkgrad.trainer.TrainingResult;
import io.sparkgrad.trainer.metrics.ConsoleProgress;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;

/**
 * The distributed MNIST job, the README's main command ({@code bin/train-mnist}, {@code sparkgrad train}): from a
 * job configuration it
 * <ol>
 *   <li>prints the effective configuration and saves it as {@code config.yaml} in the output folder;</li>
 *   <li>starts Spark (embedded {@code local[*]} with the local preset; under {@code spark-submit}, the master it
 *       was given) and loads the training, validation and test sets as per-partition blocks
 *       ({@link JobData}; MNIST is downloaded and cached on first use);</li>
 *   <li>trains the configured model data-parallel with the {@link DistributedTrainer} (optimizer and transport from
 *       the configuration, a console progress bar and a line per epoch, checkpoints and {@code metrics.jsonl} in the
 *       output folder, a distributed validation pass after every epoch);</li>
 *   <li>evaluates the model on the test set in one distributed prediction pass ({@link Evaluation}) and writes
 *       {@code model.safetensors} (PyTorch's names and layouts, the spec and input shape in its metadata),
 *       {@code curves.png} and {@code confusion.png};</li>
 *   <li>prints, as its last line, {@code RESULT test_accuracy=<x> test_loss=<x> epochs=<n> seconds=<s> output=<folder>}.</li>
 * </ol>
 */
public final class MnistJob {
    /** File names in the output folder. */
    public static final String MODEL_FILE = "model.safetensors";
    public static final String CONFIG_FILE = "config.yaml";
    public static final String CURVES_FILE = "curves.png";
    public static final String CONFUSION_FILE = "confusion.png";
    /** A {@code step} line in {@code metrics.jsonl} every this many steps. */
    static final int STEP_LINES_EVERY = 10;

    private MnistJob() {
    }

    /**
     * Runs the job.
     *
     * @param loaded the configuration and its sources
     * @param resume continue from the newest checkpoint in {@code output.checkpointDir}
     * @param out    the console: configuration, progress, epoch lines and the RESULT line
     */
    public static JobResult run(LoadedConfig loaded, boolean resume, PrintStream out) throws IOException {
        long start = System.nanoTime();
        if (resume && RunFolder.hasToken(loaded.config())) {
            throw new IllegalArgumentException("--resume continues a run in its folder: name it with --set output.outputDir=... "
                    + "(the default " + loaded.config().output().outputDir() + " is a new folder each time)");
        }
        JobConfig config = RunFolder.resolve(loaded.config(), LocalDateTime.now());
        boolean local = config.spark().clusterManager().orElse(ClusterManager.LOCAL) == ClusterManager.LOCAL;
        if (config.device() == DeviceType.CUDA && local) {
            // Local mode trains on this machine's GPU 0: refuse at once, with the reason, where it is not usable. On a
            // cluster the executors' GPUs count, and each task's replica refuses with the reason at its first step.
            CudaDetection.status().requireDevice(0);
        }
        out.println("Sparkgrad MNIST job. Effective configuration (saved as " + CONFIG_FILE + " in the output folder):");
        config.toYaml().lines().forEach(l -> out.println("  " + l));
        out.flush();

        JobResult result;
        JitWarmUp warmUp = JitWarmUp.NONE;
        try (JobSpark spark = JobSpark.start(config)) {
            // Compiles the engine's kernels while the data loads and the trainer sets up (embedded master
            // only), so that the first epochs run them compiled; it ends when training starts (a metric sink) or at the
            // latest below. Not during Spark's start: beside a warm-up Spark took 23-32 s to start on a loaded machine
            // against 6-18 s without (its own methods probably wait behind the kernels' in the JIT's queue).
            warmUp = JitWarmUp.early(config);
            spark.checkSlots(config);
            Configuration hadoop = spark.context().hadoopConfiguration();
            String dir = config.output().outputDir();
            OutputFiles.mkdirs(dir, hadoop);
            String shown = OutputFiles.display(dir, hadoop);
            OutputFiles.write(OutputFiles.child(dir, CONFIG_FILE), hadoop, config.toYaml().getBytes(StandardCharsets.UTF_8));
            out.println("Spark " + spark.context().version() + ", master " + spark.context().master()
                    + "; writing to " + shown);

            TrainingConfig t = config.training();
            int partitions = config.data().partitions() > 0 ? config.data().partitions() : t.workers();
            JobData data = JobData.load(spark, config.data(), config.model(), partitions, t.seed(),
                    line -> out.println("  " + line));
            JobModel model = data.model();
            warmUp = warmUp.orStart(config, model);
            out.println("Data:");
            out.println(data.summary());
            out.println("Model: " + model);
            out.flush();

            MetricsFile metrics = MetricsFile.at(config.output().metricsFile(), hadoop);
            DistributedTrainer trainer = DistributedTrainer.builder()
                    .replicaFactory(model.factory(t.seed(), config.device()))
                    .modelSpec(model.spec().toString())
                    .optimizer(TrainerSettings.optimizer(config.optimizer()))
                    .transport(TrainerSettings.transport(t.transport()))
                    .channelPort(t.channelPort())
                    .globalBatchSize(t.globalBatchSize())
                    .dropLast(t.dropLast())
                    .epochs(t.epochs())
                    .seed(t.seed())
                    .workers(t.workers())
                    .trainingData(data.train())
                    .sampleShape(model.inputShape())
                    .validationData(data.validation())
                    .checkpointDir(config.output().checkpointDir())
                    .checkpointEverySteps(t.checkpointEveryKSteps())
                    .resume(resume)
                    .skipNonFiniteSteps(t.skipNonFinite())
                    .consoleProgress(false)
                    .metricSink(new ConsoleProgress(out, out == System.out && System.console() != null))
                    .metricSink(metrics.lines(STEP_LINES_EVERY))
                    .metricSink(metrics.publisher())
                    .metricSink(warmUp)
                    .build();
            TrainingResult trained = trainer.fit();

            out.println("Evaluating on the test set ...");
            out.flush();
            Evaluation.Summary test = Evaluation.evaluate(data.test(), model, trained.parameters());
            ModelFile.save(OutputFiles.child(dir, MODEL_FILE), trained.layout(), trained.parameters(), model,
                    config.data().scaling(), hadoop);
            metrics.append(testEvent(test));
            String name = model.label() + " on " + (config.data().readsFrames() ? new org.apache.hadoop.fs.Path(config.data().train()).getName()
                    : "MNIST");
            OutputFiles.write(OutputFiles.child(dir, CURVES_FILE), hadoop, Charts.png(
                    Charts.curves(trained.history(), name + ": loss and accuracy per epoch"), Charts.CURVES_WIDTH, Charts.CURVES_HEIGHT));
            OutputFiles.write(OutputFiles.child(dir, CONFUSION_FILE), hadoop, Charts.png(
                    Charts.confusion(test.confusion(), name + ": test confusion matrix, accuracy " + Charts.percent(test.accuracy())),
                    Charts.CONFUSION_SIZE, Charts.CONFUSION_SIZE));
            out.printf(Locale.ROOT, "test  loss %.4f  accuracy %.4f  (%,d images)%n", test.meanLoss(), test.accuracy(),
                    test.confusion().total());
            out.println("Wrote " + String.join(", ", MODEL_FILE, CONFIG_FILE, CURVES_FILE, CONFUSION_FILE) + " to " + shown
                    + "; metrics in " + OutputFiles.display(config.output().metricsFile(), hadoop) + ", checkpoints in "
                    + OutputFiles.display(config.output().checkpointDir(), hadoop));
            result = new JobResult(test.accuracy(), test.meanLoss(), trained.history().size(), 0, shown, test.confusion(),
                    trained.history());
        } finally {
            warmUp.stop();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        result = new JobResult(result.testAccuracy(), result.testLoss(), result.epochs(), seconds, result.output(),
                result.confusion(), result.history());
        out.println(result.resultLine());
        out.flush();
        return result;
    }

    private static ObjectNode testEvent(Evaluation.Summary test) {
        ObjectNode n = MetricsFile.event("test");
        n.put("loss", test.meanLoss()).put("accuracy", test.accuracy()).put("samples", test.confusion().total());
        ArrayNode rows = n.putArray("confusion");
        ConfusionMatrix m = test.confusion();
        for (int a = 0; a < m.classes(); a++) {
            ArrayNode row = rows.addArray();
            for (int p = 0; p < m.classes(); p++) {
                row.add(m.count(a, p));
            }
        }
        return n;
    }
}
