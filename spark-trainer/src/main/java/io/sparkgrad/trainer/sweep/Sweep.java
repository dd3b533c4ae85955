package io.sparkgrad.trainer.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkgrad.ingest.spark.SerializableConfiguration;
import io.sparkgrad.cuda.GpuSequential;
import io.sparkgrad.kernel.Parallelism;
import io.sparkgrad.nn.spec.NamedSpec;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.trainer.engine.GpuOpener;
import io.sparkgrad.trainer.sweep.TrialScheduler.Action;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * A hyperparameter sweep on Spark: up to {@code parallelism} trials at once, and a driver-side scheduler (ASHA, median
 * stopping or none) decides at each milestone whether a trial goes on. In trial-per-task mode every trial trains in
 * one Spark task with the engine alone; in data-parallel mode every trial is a {@code DistributedTrainer} fit on
 * {@code workersPerTrial} tasks ({@link DataParallelSegment}). Both share the searchers, schedulers, journal, resume
 * and results.
 *
 * <pre>{@code
 * SweepResult r = Sweep.builder(spark, SweepConfig.load(new Path("sweep.yaml"), conf))
 *         .output("hdfs:///sweeps/mnist-1")      // journal, checkpoints, trials table, best model, charts
 *         .resume(true)                           // continue the journal in output, if there is one
 *         .build().run();
 * System.out.println(r.resultLine());
 * }</pre>
 *
 * <p>Each segment of a trial (from one milestone to the next) is one Spark job (data-parallel: one fit), submitted from a driver thread pool of
 * {@code parallelism} threads, with a job description naming the trial and the epochs. A segment ends with a
 * checkpoint; a trial the scheduler continues is queued, and continuing trials go before new ones. Every proposal and
 * every segment's result and decision go to the journal ({@code output/journal.jsonl}) before anything else happens,
 * so a resumed sweep retrains only the segments that were in flight.
 *
 * <p><b>GPUs</b> ({@code sweep.device: cuda}): every trial task computes on the GPU Spark assigned to it (GPU 0 in
 * local mode), its device memory capped at {@code sweep.gpuShare} of that GPU, so {@code gpuShare: 0.25} with
 * {@code spark.task.resource.gpu.amount} 0.25 packs four trials on each GPU. Where CUDA is unusable in local mode the
 * sweep is refused at {@link Builder#build()} with the detection's reason; on a cluster each trial fails with it.
 */
public final class Sweep {
    /** The journal's file name in the output folder. */
    public static final String JOURNAL = "journal.jsonl";

    private final SparkSession spark;
    private final SweepConfig config;
    private final String output;
    private final boolean resume;
    private final PrintStream console;
    private final Configuration hadoop;
    private final TrialDevice device;

    private Sweep(Builder b) {
        this.spark = b.spark;
        this.config = b.config;
        this.output = b.output;
        this.resume = b.resume;
        this.console = b.console;
        this.hadoop = b.hadoop != null ? b.hadoop : spark.sparkContext().hadoopConfiguration();
        this.device = TrialDevice.of(config, b.gpuOpener);
    }

    /** A sweep of {@code config} on {@code spark}. */
    public static Builder builder(SparkSession spark, SweepConfig config) {
        return new Builder(spark, config);
    }

    /** Settings of a {@link Sweep}. */
    public static final class Builder {
        private final SparkSession spark;
        private final SweepConfig config;
        private String output;
        private boolean resume;
        private PrintStream console = System.out;
        private Configuration hadoop;
        private GpuOpener gpuOpener = GpuOpener.CUDA;

        private Builder(SparkSession spark, SweepConfig config) {
            this.spark = Objects.requireNonNull(spark, "spark");
            this.config = Objects.requireNonNull(config, "config");
        }

        /** The output folder, any Hadoop path (required). */
        public Builder output(String folder) {
            this.output = folder;
            return this;
        }

        /** Continue the journal in the output folder (default false: a folder with a journal is an error). */
        public Builder resume(boolean resume) {
            this.resume = resume;
            return this;
        }

        /** Where the progress lines and the RESULT line go (default System.out; null for none). */
        public Builder console(PrintStream console) {
            this.console = console;
            return this;
        }

        /** Hadoop settings for the output and data paths (default: the SparkContext's). */
        public Builder hadoopConf(Configuration conf) {
            this.hadoop = conf;
            return this;
        }

        /** How trials open their GPU with {@code sweep.device: cuda} (tests: the CUDA emulator). */
        Builder gpuOpener(GpuOpener opener) {
            this.gpuOpener = Objects.requireNonNull(opener, "opener");
            return this;
        }

        public Sweep build() {
            if (output == null || output.isBlank()) {
                throw new SweepConfigException("a sweep needs an output folder (journal, checkpoints, results)");
            }
            if (config.mode().equals("data-parallel")) {
                int slots = spark.sparkContext().defaultParallelism();
                int workers = config.workersPerTrial(slots);
                // Local mode's slots are fixed; a cluster's executors may still be registering, and its barrier stage
                // waits for the slots (or Spark fails it with its own message), so only local mode is refused here.
                if (workers > slots && spark.sparkContext().isLocal()) {
                    throw new SweepConfigException("sweep.workersPerTrial " + workers + " is more than the cluster's " + slots
                            + " task slots: a trial's workers train as one barrier gang, which needs them all at once; allowed: 1-"
                            + slots);
                }
            }
            if (config.onGpu()) {
                checkGpu(config, spark.sparkContext().isLocal(), spark.sparkContext().getConf().getOption("spark.task.resource.gpu.amount"),
                        gpuOpener);
            }
            return new Sweep(this);
        }
    }

    /**
     * Refuses a GPU sweep that cannot run as configured: Spark's {@code spark.task.resource.gpu.amount}, when set, must be
     * the trials' {@code sweep.gpuShare} (else Spark packs more trials on a GPU than their caps allow, or fewer than they
     * could); in local mode every trial shares GPU 0, so {@code parallelism x gpuShare} must fit in it, and GPU 0 must be
     * usable (the detection's reason otherwise). Every model the space offers must run on the GPU.
     */
    static void checkGpu(SweepConfig config, boolean local, scala.Option<String> taskGpuAmount, GpuOpener opener) {
        Domain models = config.space().domains().getOrDefault("model", new Domain.Fixed(TrialConfig.DEFAULTS.get("model")));
        for (Object model : models instanceof Domain.Listed l ? l.values() : models instanceof Domain.Fixed f ? List.of(f.value()) : List.of()) {
            try {
                GpuSequential.requireSupported(NamedSpec.resolve((String) model).build(new Generator(0), new Generator(0),
                        TrialData.INPUT_SHAPE), TrialData.INPUT_SHAPE);
            } catch (IllegalArgumentException e) {
                throw new SweepConfigException("space.model '" + model + "' cannot train with sweep.device cuda: " + e.getMessage());
            }
        }
        double share = config.gpuShare();
        if (taskGpuAmount.isDefined()) {
            String amount = taskGpuAmount.get().strip();
            double a;
            try {
                a = Double.parseDouble(amount);
            } catch (NumberFormatException e) {
                a = Double.NaN;
            }
            if (a != share) {
                throw new SweepConfigException("spark.task.resource.gpu.amount is " + amount + " but sweep.gpuShare is " + share
                        + ": Spark packs trials on a GPU by the one, each trial's memory is capped by the other; set them equal "
                        + "(sparkgrad sweep sets spark.task.resource.gpu.amount from sweep.gpuShare when it is not given)");
            }
        }
        if (local) {
            if (config.parallelism() * share > 1 + 1e-9) {
                throw new SweepConfigException("sweep.parallelism " + config.parallelism() + " x sweep.gpuShare " + share
                        + " is more than one GPU, but local mode trains every trial on GPU 0; lower sweep.gpuShare to at most "
                        + (1.0 / config.parallelism()) + " or sweep.parallelism to at most " + (int) Math.floor(1 / share + 1e-9));
            }
            try {
                opener.requireDevice(0);
            } catch (IllegalStateException e) {
                throw new SweepConfigException("sweep.device cuda: " + e.getMessage() + " (allowed here: sweep.device cpu)");
            }
        }
    }

    /**
     * Runs (or resumes) the sweep to the end and writes its results.
     *
     * @throws IOException when the output folder cannot be read or written, or a journal there belongs to another sweep
     */
    public SweepResult run() throws IOException {
        long start = System.nanoTime();
        int driverThreads = Parallelism.numThreads();
        Objective objective = config.objective();
        TrialScheduler scheduler = config.scheduler().create(objective);
        Searcher searcher = config.searcher();
        Path out = new Path(output);
        out.getFileSystem(hadoop).mkdirs(out);
        SweepJournal journal = new SweepJournal(new Path(out, JOURNAL), hadoop);
        List<Trial> trials = new ArrayList<>();
        Deque<Trial> ready = new ArrayDeque<>();
        if (journal.exists()) {
            if (!resume) {
                throw new IOException(journal.file() + " exists: resume that sweep, or choose another output folder");
            }
            replay(journal.read(), trials, ready, scheduler, objective);
        } else {
            ObjectNode head = SweepJournal.JSON.createObjectNode().put("event", "sweep").put("config", config.text())
                    .put("searcher", searcher.name()).put("trials", searcher.trials());
            journal.append(head);
        }
        Progress progress = new Progress(console, trials, searcher.trials(), objective, scheduler, config.parallelism());
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        // Data-parallel: each segment is a fit on this many workers; trial-per-task: 0 (a segment is one task).
        int workers = config.mode().equals("data-parallel") ? config.workersPerTrial(spark.sparkContext().defaultParallelism()) : 0;
        SerializableConfiguration conf = new SerializableConfiguration(hadoop);
        ExecutorService pool = Executors.newFixedThreadPool(config.parallelism(), r -> {
            Thread t = new Thread(r, "sweep-driver");
            t.setDaemon(true);
            return t;
        });
        CompletionService<SegmentResult> done = new ExecutorCompletionService<>(pool);
        Map<Future<SegmentResult>, Trial> inFlight = new LinkedHashMap<>();
        int epochsNow = 0;
        try {
            while (true) {
                while (inFlight.size() < config.parallelism()) {
                    Trial t = ready.poll();
                    if (t == null && trials.size() < searcher.trials()) {
                        t = new Trial(trials.size(), searcher.config(trials.size()));
                        trials.add(t);
                        ObjectNode ev = SweepJournal.JSON.createObjectNode().put("event", "trial").put("trial", t.id());
                        ev.set("params", SweepJournal.JSON.valueToTree(t.params()));
                        journal.append(ev);
                    }
                    if (t == null) {
                        break;
                    }
                    TrialSegment seg = segment(t, scheduler, out, conf);
                    if (seg == null) {
                        continue;
                    }
                    t.status(TrialStatus.RUNNING);
                    String description = "sweep trial " + t.id() + ": epochs " + (seg.fromEpoch() + 1) + "-" + seg.toEpoch()
                            + " (to milestone " + seg.toEpoch() + " of " + scheduler.maxEpochs() + ")";
                    inFlight.put(done.submit(workers > 0 ? () -> DataParallelSegment.run(spark, seg, workers, description)
                            : () -> runOnSpark(jsc, seg, description)), t);
                }
                progress.print();
                if (inFlight.isEmpty()) {
                    break;
                }
                Future<SegmentResult> f = done.take();
                Trial t = inFlight.remove(f);
                SegmentResult r;
                try {
                    r = f.get();
                } catch (ExecutionException e) {
                    // The job failed after Spark's own retries (e.g. the data cannot be read): fail this trial, go on.
                    Throwable c = e.getCause() != null ? e.getCause() : e;
                    r = new SegmentResult(t.id(), t.epochs().size(), List.of(), null, "Spark job failed: " + c, 0);
                }
                epochsNow += r.epochs().size();
                String action = apply(t, r, scheduler, objective, ready);
                ObjectNode ev = SweepJournal.JSON.createObjectNode().put("event", "segment").put("action", action);
                ev.setAll((ObjectNode) SweepJournal.JSON.valueToTree(r));
                journal.append(ev);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("the sweep was interrupted; resume it from " + journal.file(), e);
        } finally {
            pool.shutdownNow();
            if (Parallelism.numThreads() != driverThreads) {
                Parallelism.setNumThreads(driverThreads);
            }
        }
        double trainSeconds = (System.nanoTime() - start) / 1e9;
        SweepResult result = SweepReport.write(spark, config, trials, out, hadoop, epochsNow, trainSeconds, start);
        if (console != null) {
            console.println(result.resultLine());
        }
        return result;
    }

    /** The next segment of {@code t}, or null when it has nothing left (then its status is set). */
    private TrialSegment segment(Trial t, TrialScheduler scheduler, Path out, SerializableConfiguration conf) {
        int from = t.epochs().size();
        TrialConfig tc;
        try {
            tc = config.trialConfig(t.params());
        } catch (SweepConfigException e) {
            t.apply(new SegmentResult(t.id(), from, List.of(), null, e.getMessage(), 0));
            t.status(TrialStatus.FAILED);
            return null;
        }
        int to = scheduler.nextMilestone(from);
        String ckpt = new Path(out, String.format(Locale.ROOT, "checkpoints/trial-%04d/epoch-%03d.safetensors", t.id(), to)).toString();
        return new TrialSegment(t.id(), tc, from, to, t.checkpoint(), ckpt, conf, device);
    }

    /** Applies a segment's result and the scheduler's decision; returns the decision's journal name. */
    private static String apply(Trial t, SegmentResult r, TrialScheduler scheduler, Objective objective, Deque<Trial> ready) {
        t.apply(r);
        if (r.failed()) {
            t.status(TrialStatus.FAILED);
            return "failed";
        }
        Action a = scheduler.onMilestone(t.id(), t.history(objective));
        switch (a) {
            case CONTINUE -> {
                t.status(TrialStatus.PENDING);
                ready.add(t);
            }
            case STOP -> t.status(TrialStatus.STOPPED);
            case COMPLETE -> t.status(TrialStatus.COMPLETED);
            default -> throw new IllegalStateException(a.toString());
        }
        return a.name().toLowerCase(Locale.ROOT);
    }

    /** Rebuilds the trials, the scheduler's state and the queue from a journal, in its order. */
    private void replay(List<JsonNode> events, List<Trial> trials, Deque<Trial> ready, TrialScheduler scheduler, Objective objective)
            throws IOException {
        if (events.isEmpty() || !"sweep".equals(events.get(0).path("event").asText())) {
            throw new IOException("the journal does not start with a sweep event");
        }
        if (!config.text().equals(events.get(0).path("config").asText())) {
            throw new IOException("the journal in " + output + " belongs to a different sweep file; resume with the same file or"
                    + " choose another output folder");
        }
        for (JsonNode ev : events.subList(1, events.size())) {
            switch (ev.path("event").asText()) {
                case "trial" -> {
                    Map<String, Object> params = new LinkedHashMap<>();
                    ev.path("params").fields().forEachRemaining(e -> params.put(e.getKey(), SweepConfig.scalar(e.getValue())));
                    Trial t = new Trial(ev.path("trial").asInt(), params);
                    if (t.id() != trials.size()) {
                        throw new IOException("the journal proposes trial " + t.id() + " after " + trials.size() + " trials");
                    }
                    trials.add(t);
                    ready.add(t);
                }
                case "segment" -> {
                    SegmentResult r = SweepJournal.JSON.treeToValue(((ObjectNode) ev.deepCopy()).without(List.of("event", "action")), SegmentResult.class);
                    Trial t = trials.get(r.trial());
                    ready.remove(t);
                    String action = apply(t, r, scheduler, objective, ready);
                    if (!action.equals(ev.path("action").asText())) {
                        throw new IOException("replaying the journal, trial " + t.id() + " at epoch " + t.epochs().size() + " gets '" + action
                                + "', the journal says '" + ev.path("action").asText() + "'; was the scheduler changed?");
                    }
                }
                default -> throw new IOException("unknown journal event " + ev);
            }
        }
    }

    /** One segment as one Spark job of one task; the segment returns its result rather than failing the task. */
    static SegmentResult runOnSpark(JavaSparkContext jsc, TrialSegment seg, String description) {
        jsc.setJobDescription(description);
        List<String> json = jsc.parallelize(List.of(0), 1).map(i -> {
            TaskContext ctx = TaskContext.get();
            return SweepJournal.JSON.writeValueAsString(seg.run(ctx == null ? 1 : ctx.cpus()));
        }).collect();
        try {
            return SweepJournal.JSON.readValue(json.get(0), SegmentResult.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
