package io.sparkgrad.trainer.bench;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.trainer.DistributedTrainer;
import io.sparkgrad.trainer.EpochStats;
import io.sparkgrad.trainer.ReplicaFactory;
import io.sparkgrad.trainer.ReplicaModel;
import io.sparkgrad.trainer.SparkgradKryoRegistrator;
import io.sparkgrad.trainer.TrainingResult;
import io.sparkgrad.trainer.metrics.MetricSink;
import io.sparkgrad.trainer.metrics.StepMetrics;
import io.sparkgrad.trainer.optim.EngineOptimizer;
import io.sparkgrad.trainer.plan.BatchPlan;
import io.sparkgrad.trainer.plan.EpochOrder;
import io.sparkgrad.trainer.reference.SyntheticClassification;
import io.sparkgrad.trainer.transport.GradientTransport;
import io.sparkgrad.trainer.transport.barrier.BarrierTransport;
import io.sparkgrad.trainer.transport.barrier.CipherProbe;
import io.sparkgrad.trainer.transport.barrier.LoopbackProbe;
import io.sparkgrad.trainer.transport.stage.StagePerStepTransport;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * Benchmark of the trainer's transports (issue 4): per-step overhead (the step's wall time minus the slowest worker's
 * gradient computation, so it holds the transfers, the driver's sum and the optimizer update) and steady-state
 * training throughput (samples over the summed step times, each epoch's first step excluded because it includes
 * launching the epoch's tasks; that launch cost is printed on the {@code #} line of the run) as a ratio to one process
 * running the same replica with {@code single-threads} engine threads on the same data, in the same run (measured
 * before and after the distributed runs of each batch size, the ratio taking the mean of the two). Every
 * configuration gets a warm-up run first (Spark's first jobs run about twice as slow), then {@code --repeats} measured
 * runs. One line per configuration:
 *
 * <pre>
 * RESULT bench=trainer transport=barrier workers=2 batch=64 samples_per_s=... ratio_vs_single=... step_overhead_ms_p50=... step_overhead_ms_p95=...
 * </pre>
 *
 * preceded by a {@code # model=...} line naming the model of the lines that follow.
 *
 * <p>The defaults are the configurations: {@code local[2]}; the tutorial CNN on the engine (3,930 parameters)
 * with 1 and 2 workers, the barrier transport in memory ({@code barrier}: in local mode the tasks run in the driver's
 * JVM) and over its socket ({@code barrier-socket}, as on a cluster) and the stage-per-step transport, global batch 64 and 256, against the engine with 2 threads; then a
 * 1,003,300-parameter model (an MLP on arrays, global batch 16) for the overhead at a million parameters.
 *
 * <p>Options ({@code --key=value} or {@code --key value}; {@code --help} lists them with their defaults): {@code master}
 * (local[2]), {@code workers} (1,2), {@code transports} (barrier,barrier-socket,stage), {@code batches} (64,256: small model),
 * {@code large-batch} (16), {@code steps} (300 per measured run, so the JIT has compiled the driver's kernels for most of them: at 60 the small model's runs lasted 60 ms; the large model uses a third), {@code repeats} (3),
 * {@code single-threads} (2: engine threads of the single-process baseline), {@code models} (small,large; also
 * medium), {@code small-model} / {@code large-model} / {@code medium-model} (a {@link BenchModel} class name),
 * {@code probe-params} (3930,1003300: parameter counts for the Spark-free loopback round trip of the barrier channel,
 * {@link LoopbackProbe}, whose frames are AES-GCM encrypted like every run's, and the channel's AES-GCM alone on a frame
 * of that size, {@link CipherProbe}; empty to skip), {@code secure} (false: true
 * runs Spark with spark.authenticate and spark.network.crypto.enabled, so the barrier channel is keyed from Spark's secret). The main job's model:
 * {@code bin/bench trainer --models=small --small-model='io.sparkgrad.trainer.bench.BenchModel$MnistCnn'}.
 */
@Command(name = "bench trainer", mixinStandardHelpOptions = true,
        description = "Per-step overhead and throughput of the distributed trainer's transports against one process.")
public final class TrainerBench implements Callable<Integer> {

    @Option(names = "--master", defaultValue = "local[2]", description = "Spark master (default ${DEFAULT-VALUE}).")
    String master;

    @Option(names = "--workers", split = ",", defaultValue = "1,2", description = "Worker counts (default ${DEFAULT-VALUE}).")
    int[] workers;

    @Option(names = "--transports", split = ",", defaultValue = "barrier,barrier-socket,stage",
            description = "Transports: barrier (in memory where the tasks run in the driver's JVM, as in local mode), "
                    + "barrier-socket (the barrier transport over its encrypted socket, as on a cluster), stage (default ${DEFAULT-VALUE}).")
    List<String> transports;

    @Option(names = "--batches", split = ",", defaultValue = "64,256",
            description = "Global batch sizes of the small model (default ${DEFAULT-VALUE}).")
    int[] batches;

    @Option(names = "--large-batch", defaultValue = "16",
            description = "Global batch size of the medium and large models (default ${DEFAULT-VALUE}).")
    int largeBatch;

    @Option(names = "--steps", defaultValue = "300",
            description = "Steps per measured run; the medium and large models use a third (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--repeats", defaultValue = "3", description = "Measured runs per configuration (default ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--single-threads", defaultValue = "2",
            description = "Engine threads of the single-process baseline (default ${DEFAULT-VALUE}).")
    int singleThreads;

    @Option(names = "--models", split = ",", defaultValue = "small,large",
            description = "Models to measure: small, medium, large (default ${DEFAULT-VALUE}).")
    List<String> models;

    @Option(names = "--small-model", description = "BenchModel class of the small model (default: BenchModel$TutorialCnn).")
    String smallModel = BenchModel.TutorialCnn.class.getName();

    @Option(names = "--medium-model", description = "BenchModel class of the medium model (default: BenchModel$MediumMlp).")
    String mediumModel = BenchModel.MediumMlp.class.getName();

    @Option(names = "--large-model", description = "BenchModel class of the large model (default: BenchModel$LargeMlp).")
    String largeModel = BenchModel.LargeMlp.class.getName();

    @Option(names = "--probe-params", defaultValue = "3930,1003300",
            description = "Parameter counts for the Spark-free loopback round trip of the barrier channel; empty to skip "
                    + "(default ${DEFAULT-VALUE}).")
    String probeParams;

    @Option(names = "--secure", defaultValue = "false", arity = "0..1",
            description = "Run Spark with spark.authenticate and spark.network.crypto.enabled, so the barrier channel is keyed from Spark's secret "
                    + "(default ${DEFAULT-VALUE}).")
    boolean secure;

    public static void main(String[] args) {
        System.exit(new CommandLine(new TrainerBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        for (String t : transports) {
            if (!TRANSPORTS.contains(t)) {
                throw new ParameterException(new CommandLine(this), "--transports: unknown transport '" + t + "'; allowed: "
                        + String.join(", ", TRANSPORTS));
            }
        }
        Map<String, String> modelClasses = Map.of("small", smallModel, "medium", mediumModel, "large", largeModel);
        for (String which : models) {
            if (!modelClasses.containsKey(which)) {
                throw new ParameterException(new CommandLine(this), "--models: unknown model '" + which + "'; allowed: small, medium, large");
            }
        }
        SparkConf conf = SparkgradKryoRegistrator.configure(new SparkConf())
                .setMaster(master).setAppName("sparkgrad-trainer-bench")
                .set("spark.ui.enabled", "false").set("spark.ui.showConsoleProgress", "false")
                .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.kryo.registrationRequired", "true");
        if (secure) {
            conf.set("spark.authenticate", "true").set("spark.network.crypto.enabled", "true");
        }
        SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        // Spark's first couple of hundred jobs run about twice as slow: warm the scheduler up before measuring.
        for (int i = 0; i < 200; i++) {
            sc.parallelize(List.of(1, 2, 3, 4), 4).count();
        }
        if (!probeParams.isEmpty()) {
            for (int p : ints(probeParams)) {
                for (int w : workers) {
                    LoopbackProbe.Result r = LoopbackProbe.measure(w, p, 400);
                    System.out.printf(Locale.ROOT, "# loopback barrier round trip (no Spark, no compute) channel=aes-gcm workers=%d parameters=%d ms_p50=%.3f ms_p95=%.3f%n",
                            w, p, r.p50Millis(), r.p95Millis());
                }
                int bytes = 4 * p + 36; // a gradient frame body: 36 bytes of fixed fields, then the floats
                CipherProbe.Result c = CipherProbe.measure(bytes, 30);
                System.out.printf(Locale.ROOT, "# aes-gcm records of the channel (no socket) frame_bytes=%d seal_ms=%.3f open_ms=%.3f seal_gb_s=%.2f open_gb_s=%.2f%n",
                        bytes, c.sealMillis(), c.openMillis(), bytes / (c.sealMillis() * 1e6), bytes / (c.openMillis() * 1e6));
            }
        }
        System.out.printf(Locale.ROOT, "# master=%s cores=%d java=%s%n", master, Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"));
        try {
            for (String which : models) {
                BenchModel model = (BenchModel) Class.forName(modelClasses.get(which)).getDeclaredConstructor().newInstance();
                boolean large = !which.equals("small");
                int[] modelBatches = large ? new int[] {largeBatch} : batches;
                int modelSteps = large ? Math.max(10, steps / 3) : steps;
                int params;
                try (ReplicaModel probe = model.factory().create(1)) {
                    params = probe.numParameters();
                }
                System.out.printf(Locale.ROOT, "# model=%s parameters=%d steps_per_run=%d repeats=%d%n", model.name(), params, modelSteps, repeats);
                for (int batch : modelBatches) {
                    // The machine is shared and its speed drifts over minutes: the baseline is measured before and
                    // after the distributed runs of this batch size, and the ratios use the mean of the two.
                    double before = singleProcess(model, singleThreads, batch, modelSteps, repeats);
                    List<Measured> runs = new ArrayList<>();
                    for (int w : workers) {
                        for (String t : transports) {
                            runs.add(distributed(sc, model, t, transport(t), w, batch, modelSteps, repeats));
                        }
                    }
                    double after = singleProcess(model, singleThreads, batch, modelSteps, repeats);
                    double single = (before + after) / 2;
                    System.out.printf(Locale.ROOT, "# single-process threads=%d batch=%d samples_per_s=%.1f (before %.1f, after %.1f)%n",
                            singleThreads, batch, single, before, after);
                    for (Measured m : runs) {
                        System.out.printf(Locale.ROOT,
                                "RESULT bench=trainer transport=%s workers=%d batch=%d samples_per_s=%.1f ratio_vs_single=%.3f step_overhead_ms_p50=%.3f step_overhead_ms_p95=%.3f%n",
                                m.transport(), m.workers(), m.batch(), m.samplesPerSecond(), m.samplesPerSecond() / single, m.overheadP50(),
                                m.overheadP95());
                    }
                }
            }
        } finally {
            spark.stop();
        }
        return 0;
    }

    private static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    /** Partition sizes for {@code steps} full global batches (plus half a batch the plan drops). */
    private static int[] sizes(int workers, int batch, int steps) {
        int total = steps * batch + batch / 2;
        int[] s = new int[workers];
        for (int w = 0; w < workers; w++) {
            s[w] = total / workers + (w < total % workers ? 1 : 0);
        }
        return s;
    }

    /**
     * Samples per second of one process with {@code threads} threads on global batches of the same size: two
     * warm-up passes (the JIT), then the median of {@code repeats} timed passes of at least half a second each.
     */
    private static double singleProcess(BenchModel model, int threads, int batch, int steps, int repeats) {
        SyntheticClassification data = new SyntheticClassification(model.sampleShape(), model.classes(), 17);
        int[] sizes = sizes(1, batch, steps);
        SampleBlock block = data.block(0, 0, sizes[0]);
        BatchPlan plan = BatchPlan.of(sizes, batch, true);
        double[] rates = new double[repeats];
        try (ReplicaModel replica = model.factory().create(threads)) {
            float[] params = replica.getParameters();
            EngineOptimizer opt = EngineOptimizer.sgdMomentum(0.01, 0.9);
            float[] grad = new float[params.length];
            for (int r = -2; r < repeats; r++) {
                int[] order = EpochOrder.permutation(sizes[0], 1, r + 2, 0);
                long t0 = System.nanoTime();
                long stepsDone = 0;
                // At least half a second per measurement: a 60-step pass of a small model lasts a few tens of
                // milliseconds, and one scheduler hiccup then moved the baseline by a third between two runs.
                do {
                    for (int s = 0; s < plan.steps(); s++) {
                        Arrays.fill(grad, 0f);
                        replica.setParameters(params);
                        replica.computeGradient(block, order, plan.offset(s, 0), plan.count(s, 0), grad);
                        for (int i = 0; i < grad.length; i++) {
                            grad[i] /= batch;
                        }
                        opt.step(params, grad);
                    }
                    stepsDone += plan.steps();
                } while (System.nanoTime() - t0 < MIN_BASELINE_NANOS);
                if (r >= 0) {
                    rates[r] = (double) stepsDone * batch / ((System.nanoTime() - t0) / 1e9);
                }
            }
        }
        Arrays.sort(rates);
        double median = rates[rates.length / 2];
        return median;
    }

    /** Collects the per-step overheads and cycle times of the measured runs. */
    private static final class Overheads implements MetricSink {
        final List<Double> millis = new ArrayList<>();
        final List<Double> compute = new ArrayList<>();
        double cycleMillis;
        long cycleSamples;

        @Override
        public void onStep(StepMetrics s) {
            if (!Double.isNaN(s.overheadMillis())) {
                millis.add(s.overheadMillis());
                compute.add(s.computeMillis());
                cycleMillis += s.cycleMillis();
                cycleSamples += s.samples();
            }
        }
    }

    /** One distributed configuration's steady-state throughput and per-step overhead percentiles. */
    private record Measured(String transport, int workers, int batch, double samplesPerSecond, double overheadP50, double overheadP95) {
    }

    private static final List<String> TRANSPORTS = List.of("barrier", "barrier-socket", "stage");
    private static final long MIN_BASELINE_NANOS = 500_000_000L;

    private static GradientTransport transport(String name) {
        return switch (name) {
            case "barrier" -> new BarrierTransport();
            case "barrier-socket" -> new BarrierTransport().withInProcessExchange(false);
            default -> new StagePerStepTransport();
        };
    }

    /** @param label the transport's name on the output lines */
    private static Measured distributed(JavaSparkContext sc, BenchModel model, String label, GradientTransport transport, int workers,
                                        int batch, int steps, int repeats) {
        SyntheticClassification data = new SyntheticClassification(model.sampleShape(), model.classes(), 17);
        JavaRDD<SampleBlock> blocks = data.rdd(sc, sizes(workers, batch, steps), 0);
        ReplicaFactory factory = model.factory();
        Overheads overheads = new Overheads();
        long samples = 0;
        double seconds = 0;
        try {
            for (int r = -1; r < repeats; r++) {
                Overheads sink = r < 0 ? new Overheads() : overheads;
                TrainingResult res = DistributedTrainer.builder().replicaFactory(factory).optimizer(EngineOptimizer.sgdMomentum(0.01, 0.9))
                        .globalBatchSize(batch).epochs(1).seed(r + 1L).workers(workers).transport(transport).trainingData(blocks)
                        .consoleProgress(false).metricSink(sink).build().fit();
                if (r >= 0) {
                    for (EpochStats e : res.history()) {
                        samples += e.trainSamples();
                        seconds += e.seconds();
                    }
                }
            }
        } finally {
            blocks.unpersist(false);
        }
        // Steady state: the steps after each epoch's first, whose cycle excludes launching the epoch's tasks. The
        // launch is a per-epoch cost, printed separately (over a real epoch of hundreds of steps it amortizes).
        double sps = overheads.cycleSamples / (overheads.cycleMillis / 1e3);
        double launchMs = (seconds * 1e3 - overheads.cycleMillis) / repeats;
        double[] o = overheads.millis.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double[] c = overheads.compute.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        System.out.printf(Locale.ROOT, "# %s workers=%d batch=%d compute_ms_p50=%.3f steps_measured=%d epoch_samples_per_s=%.1f epoch_start_ms=%.1f%n",
                label, workers, batch, percentile(c, 0.5), o.length, samples / seconds, launchMs);
        return new Measured(label, workers, batch, sps, percentile(o, 0.5), percentile(o, 0.95));
    }

    private static double percentile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank))];
    }
}
