package io.sparkgrad.trainer;

import io.sparkgrad.trainer.optim.EngineOptimizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.ingest.mnist.PixelScaling;
import io.sparkgrad.kernel.Parallelism;
import io.sparkgrad.trainer.checkpoint.Checkpoint;
import io.sparkgrad.trainer.checkpoint.CheckpointStore;
import io.sparkgrad.trainer.data.Blocks;
import io.sparkgrad.trainer.data.Frames;
import io.sparkgrad.trainer.eval.DistributedEvaluator;
import io.sparkgrad.trainer.metrics.ConsoleProgress;
import io.sparkgrad.trainer.metrics.MetricSink;
import io.sparkgrad.trainer.metrics.RunInfo;
import io.sparkgrad.trainer.metrics.StepMetrics;
import io.sparkgrad.trainer.plan.BatchPlan;
import io.sparkgrad.trainer.transport.AggregatedStep;
import io.sparkgrad.trainer.transport.EpochSpec;
import io.sparkgrad.trainer.transport.GradientTransport;
import io.sparkgrad.trainer.transport.ReplicaPool;
import io.sparkgrad.trainer.transport.TransportContext;
import io.sparkgrad.trainer.transport.TransportSession;
import io.sparkgrad.trainer.transport.barrier.BarrierTransport;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Synchronous data-parallel training on Spark. The driver owns the truth (weights, optimizer state, step counter,
 * seeds); every step, each worker computes the gradient sum of its share of the global batch on its cached
 * partition, the transport brings the sums to the driver, which adds them in a fixed order, divides by the global
 * batch size and steps the optimizer. N workers therefore take the same steps as one process on the same global
 * batches, up to float summation order. Each epoch ends with a distributed validation pass and a checkpoint.
 *
 * <pre>{@code
 * TrainingResult r = DistributedTrainer.builder()
 *     .replicaFactory(threads -> new MyReplica(threads))
 *     .optimizer(EngineOptimizer.sgdMomentum(0.1, 0.9))
 *     .globalBatchSize(64).epochs(2).seed(42).workers(2)
 *     .trainingData(trainBlocks).validationData(validBlocks)
 *     .checkpointDir("hdfs:///runs/mnist/ckpt")
 *     .build()
 *     .fit();
 * }</pre>
 */
public final class DistributedTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(DistributedTrainer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Configuration keys a resumed run must share with its checkpoint (the trajectory depends on them). */
    private static final List<String> MUST_MATCH = List.of("num_parameters", "global_batch", "partition_sizes", "seed",
            "optimizer", "optimizer_config");

    private final ReplicaFactory factory;
    private final DriverOptimizer optimizer;
    private final int globalBatch;
    private final int epochs;
    private final long seed;
    private final int workers;
    private final GradientTransport transport;
    private final JavaRDD<SampleBlock> trainingData;
    private final JavaRDD<SampleBlock> validationData;
    private final float[] initialParameters;
    private final String checkpointDir;
    private final int checkpointEverySteps;
    private final int keepCheckpoints;
    private final boolean resume;
    private final List<MetricSink> sinks;
    private final boolean skipNonFinite;
    private final Duration stepTimeout;
    private final int evaluationChunk;
    private final OptimizerState initialOptimizerState;
    private final String runId = "sparkgrad-" + UUID.randomUUID().toString().substring(0, 8);
    private float[] lastParameters;

    private DistributedTrainer(Builder b) {
        this.factory = b.factory;
        this.optimizer = b.optimizer;
        this.globalBatch = b.globalBatch;
        this.epochs = b.epochs;
        this.seed = b.seed;
        this.workers = b.workers;
        this.transport = b.channelPorts == null ? b.transport : BarrierTransport.onPorts(b.transport, b.channelPorts);
        this.trainingData = b.trainingData;
        this.validationData = b.validationData;
        this.initialParameters = b.initialParameters;
        this.checkpointDir = b.checkpointDir;
        this.checkpointEverySteps = b.checkpointEverySteps;
        this.keepCheckpoints = b.keepCheckpoints;
        this.resume = b.resume;
        List<MetricSink> all = new ArrayList<>();
        if (b.console) {
            all.add(ConsoleProgress.stdout());
        }
        all.addAll(b.sinks);
        this.sinks = List.copyOf(all);
        this.skipNonFinite = b.skipNonFinite;
        this.stepTimeout = b.stepTimeout;
        this.evaluationChunk = b.evaluationChunk;
        this.initialOptimizerState = b.optimizer.state();
    }

    /** A builder with the defaults: barrier transport, console progress, 5-minute step timeout, seed 0. */
    public static Builder builder() {
        return new Builder();
    }

    /** The id of this trainer's runs (job groups are {@code <runId>-epoch-N} and {@code <runId>-validation-N}). */
    public String runId() {
        return runId;
    }

    /**
     * Trains for the configured epochs (continuing from the newest checkpoint when {@code resume} is set). Every call
     * starts from the optimizer state the optimizer had when the trainer was built (or the checkpoint's), so calling
     * {@code fit()} again repeats the run rather than continuing the momentum of the previous one.
     *
     * @throws TrainingException when a step times out, the Spark job fails for good, or a step is not finite
     */
    public TrainingResult fit() {
        int engineThreads = Parallelism.numThreads();
        try {
            return fitOnce();
        } finally {
            restoreEngineThreads(engineThreads);
        }
    }

    private TrainingResult fitOnce() {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(trainingData.context());
        optimizer.restore(initialOptimizerState);
        int numParameters;
        List<ParameterSlice> layout;
        float[] params;
        try (ReplicaModel probe = factory.create(1)) {
            numParameters = probe.numParameters();
            layout = probe.parameterLayout();
            params = initialParameters != null ? initialParameters.clone() : probe.getParameters();
        }
        checkLayout(layout, numParameters);
        if (params.length != numParameters) {
            throw new IllegalArgumentException("initial parameters have " + params.length + " values but the model has " + numParameters);
        }
        int[] featureShape = Blocks.featureShape(trainingData);
        if (featureShape == null) {
            throw new IllegalArgumentException("the training data holds no samples");
        }
        JavaRDD<SampleBlock> blocks = Blocks.onePerPartition(trainingData, workers, featureShape);
        JavaRDD<SampleBlock> validation = validationData;
        boolean persistedValidation = false;
        if (validation != null && validation.getStorageLevel().equals(StorageLevel.NONE())) {
            validation = validation.persist(StorageLevel.MEMORY_ONLY());
            persistedValidation = true;
        }
        try {
            int[] sizes = Blocks.sizes(blocks);
            BatchPlan plan = BatchPlan.of(sizes, globalBatch);
            Map<String, Object> config = config(plan, numParameters);
            CheckpointStore store = checkpointDir == null ? null : new CheckpointStore(checkpointDir, sc.hadoopConfiguration(), keepCheckpoints);
            RunState state = new RunState(params);
            if (resume && store != null) {
                store.latest(layout, numParameters).ifPresentOrElse(c -> state.restore(c, config, store.location()),
                        () -> LOG.warn("Sparkgrad: resume requested but {} holds no checkpoint; starting from scratch", store.location()));
            }
            return run(sc, blocks, validation, plan, config, store, state, layout, numParameters);
        } finally {
            blocks.unpersist(false);
            if (persistedValidation) {
                validation.unpersist(false);
            }
            ReplicaPool.dropRun(runId);
        }
    }

    /** Evaluates the given weights over every sample of {@code data}: loss sum, correct and sample counts. */
    public StepStats evaluate(JavaRDD<SampleBlock> data, float[] parameters) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(data.context());
        sc.setJobGroup(runId + "-evaluate", "Sparkgrad evaluation of " + parameters.length + " parameters", true);
        int engineThreads = Parallelism.numThreads();
        try {
            return new DistributedEvaluator(runId, factory, evaluationChunk).evaluate(data, parameters);
        } finally {
            sc.clearJobGroup();
            restoreEngineThreads(engineThreads);
        }
    }

    /**
     * Evaluates the given weights over every sample of an MNIST frame ({@link Frames#toBlocks}), e.g. the official
     * test set as data-ingest's {@code MnistFrames.load} gives it.
     */
    public StepStats evaluate(Dataset<Row> frame, PixelScaling scaling, float[] parameters) {
        return evaluate(Frames.toBlocks(frame, scaling, "evaluation data"), parameters);
    }

    /**
     * In local mode the tasks run in the driver's JVM, and an engine replica sets the JVM's engine thread count to the
     * task's {@code spark.task.cpus} while it computes (see {@code ModuleReplica}); once the run's tasks are done the
     * driver's own count comes back, so code that runs on the driver after {@code fit()} keeps its threads.
     */
    private static void restoreEngineThreads(int threads) {
        if (Parallelism.numThreads() != threads) {
            Parallelism.setNumThreads(threads);
        }
    }

    /** Evaluates the weights of the last {@link #fit()} over {@code data}. */
    public StepStats evaluate(JavaRDD<SampleBlock> data) {
        if (lastParameters == null) {
            throw new IllegalStateException("evaluate(data) needs a completed fit(); pass the weights with evaluate(data, parameters)");
        }
        return evaluate(data, lastParameters);
    }

    private TrainingResult run(JavaSparkContext sc, JavaRDD<SampleBlock> blocks, JavaRDD<SampleBlock> validation, BatchPlan plan,
                               Map<String, Object> config, CheckpointStore store, RunState state, List<ParameterSlice> layout,
                               int numParameters) {
        List<MetricSink> all = new ArrayList<>(sinks);
        DriverStep driverStep = new DriverStep(optimizer, globalBatch, plan.steps(), skipNonFinite);
        DistributedEvaluator evaluator = new DistributedEvaluator(runId, factory, evaluationChunk);
        TransportContext ctx = new TransportContext(sc, runId, blocks, plan, factory, numParameters, seed, stepTimeout);
        try (TransportSession session = transport.open(ctx)) {
            RunInfo info = new RunInfo(runId, transport.name(), workers, globalBatch, plan.steps(), epochs, numParameters, session.endpoint());
            all.forEach(s -> s.onStart(info));
            for (int e = state.epoch; e < epochs; e++) {
                int first = e == state.epoch ? state.stepInEpoch : 0;
                Checkpoint.EpochProgress partial = e == state.epoch ? state.partial : Checkpoint.EpochProgress.NONE;
                EpochTotals totals = new EpochTotals(partial);
                String group = runId + "-epoch-" + (e + 1);
                String description = "Sparkgrad epoch " + (e + 1) + "/" + epochs + ": " + plan.steps() + " steps of " + globalBatch
                        + " samples on " + workers + " workers (" + transport.name() + " transport)";
                sc.setJobGroup(group, description, true);
                for (MetricSink s : all) {
                    s.onEpochStart(e, epochs, first, plan.steps());
                }
                long t0 = System.nanoTime();
                if (first < plan.steps()) {
                    int epoch = e;
                    long base = (long) e * plan.steps();
                    session.runEpoch(new EpochSpec(e, first, base, group, description), state.params,
                            step -> onStep(step, epoch, plan, driverStep, state, totals, all, store, layout, config));
                }
                totals.seconds += (System.nanoTime() - t0) / 1e9;

                double vLoss = Double.NaN;
                double vAcc = Double.NaN;
                double vSeconds = 0;
                if (validation != null) {
                    sc.setJobGroup(runId + "-validation-" + (e + 1), "Sparkgrad validation after epoch " + (e + 1) + "/" + epochs, true);
                    long v0 = System.nanoTime();
                    StepStats v = evaluator.evaluate(validation, state.params);
                    vSeconds = (System.nanoTime() - v0) / 1e9;
                    vLoss = v.meanLoss();
                    vAcc = v.accuracy();
                }
                EpochStats stats = totals.toStats(e, vLoss, vAcc, vSeconds);
                state.history.add(stats);
                for (MetricSink s : all) {
                    s.onEpochEnd(stats);
                }
                state.epoch = e + 1;
                state.stepInEpoch = 0;
                state.partial = Checkpoint.EpochProgress.NONE;
                if (store != null) {
                    store.save(state.checkpoint(seed, optimizer, config), layout);
                }
            }
            lastParameters = state.params.clone();
            return new TrainingResult(state.params.clone(), layout, state.history);
        } finally {
            sc.clearJobGroup();
            for (MetricSink s : all) {
                try {
                    s.close();
                } catch (RuntimeException ex) {
                    LOG.warn("Sparkgrad: metric sink {} failed to close: {}", s, ex.toString());
                }
            }
        }
    }

    private float[] onStep(AggregatedStep step, int epoch, BatchPlan plan, DriverStep driverStep, RunState state,
                           EpochTotals totals, List<MetricSink> all, CheckpointStore store, List<ParameterSlice> layout,
                           Map<String, Object> config) {
        long expected = (long) epoch * plan.steps() + state.stepInEpoch;
        if (step.globalStep() != expected || step.epoch() != epoch) {
            throw new TrainingException("the " + transport.name() + " transport delivered step " + step.globalStep() + " of epoch "
                    + (step.epoch() + 1) + " but the driver is at step " + expected + " of epoch " + (epoch + 1));
        }
        StepStats stats = step.stats();
        DriverStep.Outcome outcome = driverStep.apply(step, state.params);
        boolean skipped = outcome == DriverStep.Outcome.SKIPPED;
        totals.add(stats, skipped, step.overheadNanos());
        state.stepInEpoch = step.stepInEpoch() + 1;
        state.globalStep = step.globalStep() + 1;
        StepMetrics m = new StepMetrics(epoch, step.stepInEpoch(), plan.steps(), step.globalStep(), stats.meanLoss(), stats.accuracy(),
                stats.count(), step.cycleNanos() < 0 ? Double.NaN : step.cycleNanos() / 1e6, step.maxComputeNanos() / 1e6, skipped);
        for (MetricSink s : all) {
            s.onStep(m);
        }
        if (store != null && checkpointEverySteps > 0 && state.globalStep % checkpointEverySteps == 0
                && state.stepInEpoch < plan.steps()) {
            state.partial = totals.progress();
            store.save(state.checkpoint(seed, optimizer, config), layout);
        }
        return state.params;
    }

    private Map<String, Object> config(BatchPlan plan, int numParameters) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("num_parameters", numParameters);
        c.put("global_batch", globalBatch);
        c.put("workers", workers);
        c.put("partition_sizes", plan.partitionSizes());
        c.put("steps_per_epoch", plan.steps());
        c.put("seed", seed);
        c.put("optimizer", optimizer.name());
        c.put("optimizer_config", optimizer.config());
        c.put("epochs", epochs);
        c.put("transport", transport.name());
        c.put("skip_non_finite", skipNonFinite);
        return c;
    }

    private static void checkLayout(List<ParameterSlice> layout, int n) {
        for (ParameterSlice s : layout) {
            if ((long) s.offset() + s.size() > n) {
                throw new IllegalArgumentException("parameter slice " + s + " reaches past the model's " + n + " parameters");
            }
        }
    }

    /** The driver's mutable state of a run. */
    private final class RunState {
        float[] params;
        int epoch;
        int stepInEpoch;
        long globalStep;
        Checkpoint.EpochProgress partial = Checkpoint.EpochProgress.NONE;
        final List<EpochStats> history = new ArrayList<>();

        RunState(float[] params) {
            this.params = params;
        }

        void restore(Checkpoint c, Map<String, Object> config, String where) {
            for (String key : MUST_MATCH) {
                JsonNode want = canonical(config.get(key));
                JsonNode have = canonical(c.config() == null ? null : c.config().get(key));
                if (!want.equals(have)) {
                    throw new IllegalArgumentException("cannot resume from " + where + ": it was written with " + key + "=" + have
                            + " but this run has " + key + "=" + want);
                }
            }
            params = c.parameters();
            optimizer.restore(c.optimizer());
            epoch = c.epoch();
            stepInEpoch = c.stepInEpoch();
            globalStep = c.globalStep();
            partial = c.partial() == null ? Checkpoint.EpochProgress.NONE : c.partial();
            history.addAll(c.history());
            LOG.info("Sparkgrad: resumed from {} at epoch {}, step {} of the epoch (step {} of the run)", where, epoch + 1,
                    stepInEpoch, globalStep);
        }

        Checkpoint checkpoint(long seed, DriverOptimizer opt, Map<String, Object> config) {
            return new Checkpoint(epoch, stepInEpoch, globalStep, seed, params, opt.state(), partial, history, config);
        }
    }

    private static JsonNode canonical(Object o) {
        try {
            return JSON.readTree(JSON.writeValueAsString(o));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("configuration value " + o + " cannot be written as JSON", e);
        }
    }

    /** Running totals of one epoch. */
    private static final class EpochTotals {
        double lossSum;
        long correct;
        long samples;
        int steps;
        int skipped;
        double seconds;
        long[] overheads = new long[64];
        int overheadCount;

        EpochTotals(Checkpoint.EpochProgress p) {
            lossSum = p.lossSum();
            correct = p.correct();
            samples = p.samples();
            steps = p.steps();
            skipped = p.skippedSteps();
            seconds = p.seconds();
        }

        void add(StepStats s, boolean skippedStep, long overheadNanos) {
            steps++;
            if (skippedStep) {
                skipped++;
            } else {
                lossSum += s.lossSum();
                correct += s.correct();
                samples += s.count();
            }
            if (overheadNanos >= 0) {
                if (overheadCount == overheads.length) {
                    overheads = Arrays.copyOf(overheads, overheadCount * 2);
                }
                overheads[overheadCount++] = overheadNanos;
            }
        }

        Checkpoint.EpochProgress progress() {
            return new Checkpoint.EpochProgress(lossSum, correct, samples, steps, skipped, seconds);
        }

        EpochStats toStats(int epoch, double vLoss, double vAcc, double vSeconds) {
            long[] o = Arrays.copyOf(overheads, overheadCount);
            Arrays.sort(o);
            return new EpochStats(epoch, samples == 0 ? Double.NaN : lossSum / samples, samples == 0 ? Double.NaN : (double) correct / samples,
                    vLoss, vAcc, steps, skipped, samples, seconds, seconds > 0 ? samples / seconds : Double.NaN, vSeconds,
                    percentile(o, 0.50), percentile(o, 0.95));
        }

        static double percentile(long[] sorted, double q) {
            if (sorted.length == 0) {
                return Double.NaN;
            }
            int rank = (int) Math.ceil(q * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, rank))] / 1e6;
        }
    }

    /** Configures a {@link DistributedTrainer}. */
    public static final class Builder {
        private ReplicaFactory factory;
        private DriverOptimizer optimizer;
        private int globalBatch;
        private int epochs = 1;
        private long seed;
        private int workers;
        private GradientTransport transport = new BarrierTransport();
        private io.sparkgrad.trainer.transport.barrier.ChannelPorts channelPorts;
        private JavaRDD<SampleBlock> trainingData;
        private JavaRDD<SampleBlock> validationData;
        private float[] initialParameters;
        private String checkpointDir;
        private int checkpointEverySteps;
        private int keepCheckpoints = 3;
        private boolean resume;
        private final List<MetricSink> sinks = new ArrayList<>();
        private boolean console = true;
        private boolean skipNonFinite;
        private Duration stepTimeout = Duration.ofMinutes(5);
        private int evaluationChunk = 1024;

        private Builder() {
        }

        /** Builds replicas on the executors (and one on the driver for the initial weights and the layout). Required. */
        public Builder replicaFactory(ReplicaFactory factory) {
            this.factory = Objects.requireNonNull(factory, "replicaFactory");
            return this;
        }

        /** The driver-side optimizer. Required. */
        public Builder optimizer(DriverOptimizer optimizer) {
            this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
            return this;
        }

        /** Samples per step over all workers. Required. */
        public Builder globalBatchSize(int globalBatch) {
            this.globalBatch = globalBatch;
            return this;
        }

        /** Epochs to train (a resumed run counts the epochs already done). Default 1. */
        public Builder epochs(int epochs) {
            this.epochs = epochs;
            return this;
        }

        /** The run seed: epoch orders and step seeds derive from it. Default 0. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Number of workers, i.e. partitions of the training data (repartitioned if it has another count). Required. */
        public Builder workers(int workers) {
            this.workers = workers;
            return this;
        }

        /** The gradient transport. Default: {@link BarrierTransport}. */
        public Builder transport(GradientTransport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /** Barrier transport only: its server's port, {@code 50100}, or the first free one of {@code 50100-50200}. Default: any. */
        public Builder channelPort(String ports) {
            this.channelPorts = io.sparkgrad.trainer.transport.barrier.ChannelPorts.parse(ports);
            return this;
        }

        /** Training samples as blocks, ideally cached with one block per partition. Required. */
        public Builder trainingData(JavaRDD<SampleBlock> data) {
            this.trainingData = Objects.requireNonNull(data, "trainingData");
            return this;
        }

        /** Validation samples, evaluated after every epoch. Optional. */
        public Builder validationData(JavaRDD<SampleBlock> data) {
            this.validationData = data;
            return this;
        }

        /**
         * Training samples as a DataFrame from data-ingest, in either {@code MnistFrames} layout ({@code label INT} and
         * {@code image} as raw pixel bytes or as scaled floats), converted with {@code SampleBlocks.fromFrame}: one
         * block per partition of the frame, redistributed to the workers like any other blocks.
         *
         * @param scaling how raw pixel bytes become floats (ignored for a frame of floats)
         * @throws IllegalArgumentException when the frame has neither layout
         */
        public Builder trainingData(Dataset<Row> frame, PixelScaling scaling) {
            return trainingData(Frames.toBlocks(frame, scaling, "training data"));
        }

        /** Validation samples as a DataFrame from data-ingest; see {@link #trainingData(Dataset, PixelScaling)}. */
        public Builder validationData(Dataset<Row> frame, PixelScaling scaling) {
            return validationData(Frames.toBlocks(frame, scaling, "validation data"));
        }

        /** Start from these weights instead of the replica's own initialization. */
        public Builder initialParameters(float[] params) {
            this.initialParameters = params.clone();
            return this;
        }

        /** Where to write checkpoints at the end of every epoch (any Hadoop path). Optional. */
        public Builder checkpointDir(String dir) {
            this.checkpointDir = dir;
            return this;
        }

        /** Also checkpoint every {@code k} steps (0, the default: only at epoch ends). */
        public Builder checkpointEverySteps(int k) {
            this.checkpointEverySteps = k;
            return this;
        }

        /** How many of the newest checkpoints to keep. Default 3. */
        public Builder keepCheckpoints(int keep) {
            this.keepCheckpoints = keep;
            return this;
        }

        /** Continue from the newest checkpoint in the checkpoint folder, if there is one. */
        public Builder resume(boolean resume) {
            this.resume = resume;
            return this;
        }

        /** Adds a metric sink (JSON lines file, custom). */
        public Builder metricSink(MetricSink sink) {
            this.sinks.add(Objects.requireNonNull(sink, "metricSink"));
            return this;
        }

        /** Show the console progress bar and epoch summaries. Default true. */
        public Builder consoleProgress(boolean show) {
            this.console = show;
            return this;
        }

        /** Skip steps whose loss or gradient is not finite instead of stopping the run. Default false. */
        public Builder skipNonFiniteSteps(boolean skip) {
            this.skipNonFinite = skip;
            return this;
        }

        /** How long one step may take before the run fails as hung. Default 5 minutes. */
        public Builder stepTimeout(Duration timeout) {
            this.stepTimeout = Objects.requireNonNull(timeout, "stepTimeout");
            return this;
        }

        /** Samples per {@code evaluate} call in the validation pass. Default 1024. */
        public Builder evaluationChunk(int samples) {
            this.evaluationChunk = samples;
            return this;
        }

        /** Checks the configuration and builds the trainer. */
        public DistributedTrainer build() {
            List<String> missing = new ArrayList<>();
            if (factory == null) {
                missing.add("replicaFactory");
            }
            if (optimizer == null) {
                missing.add("optimizer");
            }
            if (trainingData == null) {
                missing.add("trainingData");
            }
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException("DistributedTrainer needs " + String.join(", ", missing));
            }
            positive("globalBatchSize", globalBatch);
            positive("epochs", epochs);
            positive("workers", workers);
            positive("keepCheckpoints", keepCheckpoints);
            positive("evaluationChunk", evaluationChunk);
            if (checkpointEverySteps < 0) {
                throw new IllegalArgumentException("checkpointEverySteps must be >= 0, got " + checkpointEverySteps);
            }
            if (checkpointEverySteps > 0 && checkpointDir == null) {
                throw new IllegalArgumentException("checkpointEverySteps needs a checkpointDir");
            }
            if (resume && checkpointDir == null) {
                throw new IllegalArgumentException("resume needs a checkpointDir");
            }
            if (stepTimeout.isZero() || stepTimeout.isNegative()) {
                throw new IllegalArgumentException("stepTimeout must be positive, got " + stepTimeout);
            }
            if (globalBatch < workers) {
                LOG.warn("Sparkgrad: global batch {} is smaller than the {} workers; some workers sit idle in every step", globalBatch, workers);
            }
            return new DistributedTrainer(this);
        }

        private static void positive(String name, int v) {
            if (v <= 0) {
                throw new IllegalArgumentException(name + " must be positive, got " + v);
            }
        }
    }
}
