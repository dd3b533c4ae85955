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
 * running the same replica with {@code single-threads} engine threads on the same data, in the same run. The single
 * process and the configurations first run unmeasured rounds in the measured order for {@code --warmup-seconds} (at
 * least two: Spark's first jobs run about twice as slow, and on a 2-core machine the JIT's compiler threads take a
 * worker's core for seconds after a new path starts; with one warm-up run the batch-256 ratio read 0.75, with eight
 * 0.92); then their {@code --repeats} measured runs are interleaved, the single process's bracketing the others', so
 * that the machine's drift (its speed moves by a fifth over a minute on a shared VM) moves both sides of a ratio
 * alike. One line per configuration:
 *
 * <pre>
 * RESULT bench=trainer transport=barrier workers=2 batch=64 samples_per_s=... ratio_vs_single=... step_overhead_ms_p50=... step_overhead_ms_p95=... single_samples_per_s=... compute_ms_p50=... compute_ms_mean=...
 * </pre>
 *
 * ({@code compute_ms}: the slowest worker's gradient computation per step), preceded by a {@code # model=...} line
 * naming the model of the lines that follow and {@code #} lines with each run's throughput and the percentiles of the
 * step's parts.
 *
 * <p>The defaults are the configurations: {@code local[2]}; the tutorial CNN on the engine (3,930 parameters)
 * with 1 and 2 workers, the barrier transport in memory ({@code barrier}: in local mode the tasks run in the driver's
 * JVM) and over its socket ({@code barrier-socket}, as on a cluster) and the stage-per-step transport, global batch 64 and 256, against the engine with 2 threads; then a
 * 1,003,300-parameter model (an MLP on arrays, global batch 16) for the overhead at a million parameters.
 *
 * <p>Options ({@code --key=value} or {@code --key value}; {@code --help} lists them with their defaults): {@code master}
 * (local[2]), {@code workers} (1,2), {@code transports} (barrier,barrier-socket,stage), {@code batches} (64,256: small model),
 * {@code large-batch} (16), {@code warmup-seconds} (10), {@code steps} (300 per measured run, so the JIT has compiled the driver's kernels for most of them: at 60 the small model's runs lasted 60 ms; the large model uses a third), {@code repeats} (3),
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

    @Option(names = "--warmup-seconds", defaultValue = "10",
            description = "Unmeasured rounds of the single process and every configuration of a batch size, at least two, until "
                    + "this many seconds have passed: the JIT compiles each path for seconds, and on a 2-core machine its "
                    + "threads take a worker's core meanwhile (default ${DEFAULT-VALUE}).")
    double warmupSeconds;

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
                    measureBatch(sc, model, batch, modelSteps);
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

    /**
     * Partition sizes for {@code steps} full global batches, plus half a batch: the single process's plan drops it,
     * the trainer (which keeps a last partial batch, as {@code DataLoader} does by default) runs it as a smaller last step.
     */
    private static int[] sizes(int workers, int batch, int steps) {
        int total = steps * batch + batch / 2;
        int[] s = new int[workers];
        for (int w = 0; w < workers; w++) {
            s[w] = total / workers + (w < total % workers ? 1 : 0);
        }
        return s;
    }

    /**
     * Measures one batch size: unmeasured rounds (the single process, then every distributed configuration) until
     * {@code --warmup-seconds} have passed, at least two; then the measured runs in the same order, the single process
     * bracketing them, so a drift of the machine's speed over the minutes of a run moves both sides of each ratio
     * alike. The ratio divides by the mean of the single process's measurements.
     */
    private void measureBatch(JavaSparkContext sc, BenchModel model, int batch, int steps) {
        List<Distributed> configs = new ArrayList<>();
        try (SingleProcess single = new SingleProcess(model, singleThreads, batch, steps)) {
            for (int w : workers) {
                for (String t : transports) {
                    configs.add(new Distributed(sc, model, t, w, batch, steps));
                }
            }
            // Warm-up rounds in the measured order: each path deoptimises code the other compiled (a single-process
            // pass right after the distributed warm-up ran at two thirds of its speed), so both are warmed together.
            long t0 = System.nanoTime();
            for (int round = 0; round < 2 || System.nanoTime() - t0 < warmupSeconds * 1e9; round++) {
                single.warmUp();
                for (Distributed d : configs) {
                    d.warmUp();
                }
            }
            for (int r = 0; r < repeats; r++) {
                single.measure();
                for (Distributed d : configs) {
                    d.measure(r);
                }
            }
            single.measure();
            report(single, configs);
        } finally {
            configs.forEach(Distributed::close);
        }
    }

    private void report(SingleProcess single, List<Distributed> configs) {
        double singleRate = single.mean();
        System.out.printf(Locale.ROOT, "# single-process threads=%d batch=%d samples_per_s=%.1f runs=%s%n",
                singleThreads, single.batch, singleRate, runs(single.rates));
        for (Distributed d : configs) {
            d.printDetails();
        }
        for (Distributed d : configs) {
            double[] o = d.overheads.sortedOverheads();
            double[] c = d.overheads.sortedCompute();
            System.out.printf(Locale.ROOT,
                    "RESULT bench=trainer transport=%s workers=%d batch=%d samples_per_s=%.1f ratio_vs_single=%.3f step_overhead_ms_p50=%.3f step_overhead_ms_p95=%.3f"
                            + " single_samples_per_s=%.1f compute_ms_p50=%.3f compute_ms_mean=%.3f%n",
                    d.label, d.workers, d.batch, d.samplesPerSecond(), d.samplesPerSecond() / singleRate, percentile(o, 0.5),
                    percentile(o, 0.95), singleRate, percentile(c, 0.5), mean(c));
        }
    }

    private static String runs(List<Double> rates) {
        StringBuilder b = new StringBuilder();
        for (double r : rates) {
            b.append(b.length() == 0 ? "" : "/").append(String.format(Locale.ROOT, "%.0f", r));
        }
        return b.toString();
    }

    /**
     * One process with {@code threads} engine threads on global batches of the same size: each measurement a timed
     * pass of at least half a second.
     */
    private static final class SingleProcess implements AutoCloseable {
        private final ReplicaModel replica;
        private final int batch;
        private final SampleBlock block;
        private final BatchPlan plan;
        private final int[] sizes;
        private final List<Double> rates = new ArrayList<>();
        private int passes;

        SingleProcess(BenchModel model, int threads, int batch, int steps) {
            this.replica = model.factory().create(threads);
            this.batch = batch;
            this.sizes = sizes(1, batch, steps);
            this.block = new SyntheticClassification(model.sampleShape(), model.classes(), 17).block(0, 0, sizes[0]);
            this.plan = BatchPlan.of(sizes, batch, true);
        }

        void warmUp() {
            pass();
        }

        void measure() {
            rates.add(pass());
        }

        double mean() {
            return rates.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        }

        /** Samples per second of one pass of at least {@link #MIN_BASELINE_NANOS}. */
        private double pass() {
            float[] params = replica.getParameters();
            EngineOptimizer opt = EngineOptimizer.sgdMomentum(0.01, 0.9);
            float[] grad = new float[params.length];
            int[] order = EpochOrder.permutation(sizes[0], 1, passes++, 0);
            long t0 = System.nanoTime();
            long stepsDone = 0;
            // At least half a second per measurement: a 60-step pass of a small model lasts a few tens of
            // milliseconds, and one scheduler hiccup then moved the baseline by a third between two runs.
            do {
                for (int s = 0; s < plan.steps(); s++) {
                    // What the driver and a worker do per step, in one process: no copies beyond the replica's.
                    replica.setParameters(params);
                    replica.computeGradientSum(block, order, plan.offset(s, 0), plan.count(s, 0), grad);
                    opt.stepOnSum(params, grad, batch);
                }
                stepsDone += plan.steps();
            } while (System.nanoTime() - t0 < MIN_BASELINE_NANOS);
            return (double) stepsDone * batch / ((System.nanoTime() - t0) / 1e9);
        }

        @Override
        public void close() {
            replica.close();
        }
    }

    /** Collects the per-step overheads and cycle times of the measured runs. */
    private static final class Overheads implements MetricSink {
        final List<Double> millis = new ArrayList<>();
        final List<Double> compute = new ArrayList<>();
        final List<Double> cycles = new ArrayList<>();
        double cycleMillis;
        long cycleSamples;

        @Override
        public void onStep(StepMetrics s) {
            if (!Double.isNaN(s.overheadMillis())) {
                millis.add(s.overheadMillis());
                compute.add(s.computeMillis());
                cycles.add(s.cycleMillis());
                cycleMillis += s.cycleMillis();
                cycleSamples += s.samples();
            }
        }

        double[] sortedOverheads() {
            return sorted(millis);
        }

        double[] sortedCompute() {
            return sorted(compute);
        }

        double[] sortedCycles() {
            return sorted(cycles);
        }

        private static double[] sorted(List<Double> values) {
            return values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        }
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

    /** One distributed configuration: its data cached in Spark, its warm-up and measured one-epoch runs. */
    private static final class Distributed implements AutoCloseable {
        final String label;
        final int workers;
        final int batch;
        final Overheads overheads = new Overheads();
        private final JavaRDD<SampleBlock> blocks;
        private final ReplicaFactory factory;
        private final GradientTransport transport;
        private final List<Double> rates = new ArrayList<>();
        private long samples;
        private double seconds;
        private long warmUpRuns;

        Distributed(JavaSparkContext sc, BenchModel model, String label, int workers, int batch, int steps) {
            this.label = label;
            this.workers = workers;
            this.batch = batch;
            this.factory = model.factory();
            this.transport = transport(label);
            this.blocks = new SyntheticClassification(model.sampleShape(), model.classes(), 17).rdd(sc, sizes(workers, batch, steps), 0);
        }

        /** One unmeasured run: Spark's first jobs and the JIT's first compilations. */
        void warmUp() {
            run(new Overheads(), -1 - warmUpRuns++);
        }

        void measure(int repeat) {
            long samples0 = overheads.cycleSamples;
            double millis0 = overheads.cycleMillis;
            TrainingResult res = run(overheads, repeat + 1L);
            for (EpochStats e : res.history()) {
                samples += e.trainSamples();
                seconds += e.seconds();
            }
            rates.add((overheads.cycleSamples - samples0) / ((overheads.cycleMillis - millis0) / 1e3));
        }

        private TrainingResult run(Overheads sink, long seed) {
            return DistributedTrainer.builder().replicaFactory(factory).optimizer(EngineOptimizer.sgdMomentum(0.01, 0.9))
                    .globalBatchSize(batch).epochs(1).seed(seed).workers(workers).transport(transport).trainingData(blocks)
                    .consoleProgress(false).metricSink(sink).build().fit();
        }

        /**
         * Steady state: the steps after each epoch's first, whose cycle excludes launching the epoch's tasks. The
         * launch is a per-epoch cost, printed separately (over a real epoch of hundreds of steps it amortizes).
         */
        double samplesPerSecond() {
            return overheads.cycleSamples / (overheads.cycleMillis / 1e3);
        }

        void printDetails() {
            double launchMs = (seconds * 1e3 - overheads.cycleMillis) / rates.size();
            double[] c = overheads.sortedCompute();
            double[] y = overheads.sortedCycles();
            System.out.printf(Locale.ROOT, "# %s workers=%d batch=%d compute_ms_p50=%.3f steps_measured=%d epoch_samples_per_s=%.1f epoch_start_ms=%.1f"
                            + " compute_ms_mean=%.3f compute_ms_p95=%.3f cycle_ms_p50=%.3f cycle_ms_mean=%.3f cycle_ms_p95=%.3f warm_up_runs=%d runs=%s%n",
                    label, workers, batch, percentile(c, 0.5), c.length, samples / seconds, launchMs, mean(c), percentile(c, 0.95),
                    percentile(y, 0.5), mean(y), percentile(y, 0.95), warmUpRuns, runs(rates));
        }

        @Override
        public void close() {
            blocks.unpersist(false);
        }
    }

    private static double mean(double[] values) {
        return Arrays.stream(values).average().orElse(Double.NaN);
    }

    private static double percentile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank))];
    }
}
