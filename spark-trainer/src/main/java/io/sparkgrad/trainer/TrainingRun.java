package io.sparkgrad.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.trainer.checkpoint.Checkpoint;
import io.sparkgrad.trainer.checkpoint.CheckpointStore;
import io.sparkgrad.trainer.checkpoint.RunFingerprint;
import io.sparkgrad.trainer.data.Blocks;
import io.sparkgrad.trainer.eval.DistributedEvaluator;
import io.sparkgrad.trainer.metrics.ConsoleProgress;
import io.sparkgrad.trainer.metrics.MetricSink;
import io.sparkgrad.trainer.metrics.RunInfo;
import io.sparkgrad.trainer.metrics.StepMetrics;
import io.sparkgrad.trainer.plan.BatchPlan;
import io.sparkgrad.trainer.transport.AggregatedStep;
import io.sparkgrad.trainer.transport.EpochSpec;
import io.sparkgrad.trainer.transport.ReplicaPool;
import io.sparkgrad.trainer.transport.TransportContext;
import io.sparkgrad.trainer.transport.TransportSession;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code fit()} of a {@link DistributedTrainer}: the driver's mutable state from the first step to the result.
 * The trainer is the configuration (immutable, reused by every fit); each fit makes a fresh run, which owns the
 * weights, the step counters, the epoch's totals, the completed epochs, its console progress and its checkpoint
 * store, and its own copy of the trainer's optimizer ({@link DriverOptimizer#copy()}), so that runs of one trainer may
 * train at the same time. The transport session it opens is its own too, and so is its run id (job groups, the
 * executors' replica pools).
 *
 * <p>The driver owns the truth: every step the transport hands {@link #onStep} the summed gradient of the global
 * batch, the run checks that it is the step it expects, applies it ({@link DriverStep}) and returns the next weights.
 */
final class TrainingRun {

    private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Configuration keys a resumed run must share with its checkpoint (the trajectory depends on them). */
    private static final List<String> MUST_MATCH = List.of("num_parameters", "global_batch", "steps_per_epoch",
            "partition_sizes", "seed", "optimizer", "optimizer_config");

    private final DistributedTrainer trainer;
    /** This run's id: the trainer's, or a derived one when other runs of the trainer train at the same time. */
    private final String runId;
    /** This run's optimizer, a copy of the trainer's sized to the run ({@link DriverOptimizer#forRun}): never shared with another run. */
    private final DriverOptimizer optimizer;
    private final JavaSparkContext sc;
    private final JavaRDD<SampleBlock> blocks;
    private final JavaRDD<SampleBlock> validation;
    private final List<ParameterSlice> layout;
    private final int numParameters;
    private final BatchPlan plan;
    private final Map<String, Object> config;
    private final CheckpointStore store;
    private final DriverStep driverStep;
    private final List<MetricSink> sinks;

    // The driver's truth: where the run is, and what it has done.
    private float[] params;
    private int epoch;
    private int stepInEpoch;
    private long globalStep;
    private Checkpoint.EpochProgress partial = Checkpoint.EpochProgress.NONE;
    private final List<EpochStats> history = new ArrayList<>();
    private EpochTotals totals;

    private TrainingRun(DistributedTrainer trainer, String runId, DriverOptimizer optimizer, JavaRDD<SampleBlock> blocks,
                        JavaRDD<SampleBlock> validation, List<ParameterSlice> layout, float[] params) {
        this.trainer = trainer;
        this.runId = runId;
        this.sc = JavaSparkContext.fromSparkContext(blocks.context());
        this.blocks = blocks;
        this.validation = validation;
        this.layout = layout;
        this.numParameters = params.length;
        this.params = params;
        // One job reads the freshly persisted blocks once for both what the plan and the checkpoints' fingerprint need.
        Blocks.Census census = Blocks.census(blocks);
        int[] sizes = census.sizes();
        this.plan = BatchPlan.of(sizes, trainer.globalBatch, trainer.dropLast);
        // A schedule over the whole run learns its length here, so that no caller has to count the samples first.
        this.optimizer = optimizer.forRun((long) trainer.epochs * plan.steps());
        this.config = config(trainer, plan, numParameters, this.optimizer);
        this.store = trainer.checkpointDir == null ? null
                : new CheckpointStore(trainer.checkpointDir, sc.hadoopConfiguration(), trainer.keepCheckpoints)
                        .forRun(trainer.runId(), RunFingerprint.of(trainer.modelSpec, layout, sizes,
                                census.sampleHash(), this.optimizer.name(), this.optimizer.config(), trainer.seed,
                                trainer.globalBatch), trainer.resume);
        this.driverStep = new DriverStep(this.optimizer, plan, trainer.skipNonFinite);
        List<MetricSink> all = new ArrayList<>();
        if (trainer.console) {
            all.add(ConsoleProgress.stdout());
        }
        all.addAll(trainer.sinks);
        this.sinks = List.copyOf(all);
    }

    /**
     * Trains {@code trainer}'s configuration once: lays out the data one block per worker, starts from the optimizer
     * state of build time (or the newest checkpoint's, on resume) and runs the remaining epochs.
     *
     * @param runId     this run's id (job groups, executor replica pools), unique among the runs training now
     * @param optimizer this run's own optimizer, of the trainer's configuration
     */
    static TrainingResult fit(DistributedTrainer trainer, String runId, DriverOptimizer optimizer) {
        List<ParameterSlice> layout;
        float[] params;
        try (ReplicaModel probe = trainer.factory.create(1)) {
            layout = probe.parameterLayout();
            params = trainer.initialParameters != null ? trainer.initialParameters.clone() : probe.getParameters();
            checkLayout(layout, probe.numParameters());
            if (params.length != probe.numParameters()) {
                throw new IllegalArgumentException("initial parameters have " + params.length + " values but the model has "
                        + probe.numParameters());
            }
        }
        int[] featureShape = trainer.sampleShape != null ? trainer.sampleShape : Blocks.featureShape(trainer.trainingData);
        if (featureShape == null) {
            throw new IllegalArgumentException("the training data holds no samples");
        }
        JavaRDD<SampleBlock> blocks = Blocks.onePerPartition(trainer.trainingData, trainer.workers, featureShape);
        JavaRDD<SampleBlock> validation = trainer.validationData;
        boolean persistedValidation = validation != null && validation.getStorageLevel().equals(StorageLevel.NONE());
        if (persistedValidation) {
            validation = validation.persist(StorageLevel.MEMORY_ONLY());
        }
        try {
            return new TrainingRun(trainer, runId, optimizer, blocks, validation, layout, params).train();
        } finally {
            // Spark's unpersist waits on an RPC, which fails at once in an interrupted thread: set the interrupt aside
            // so an interrupted run still releases its cached blocks, then restore it.
            boolean interrupted = Thread.interrupted();
            try {
                blocks.unpersist(false);
                if (persistedValidation) {
                    validation.unpersist(false);
                }
                ReplicaPool.dropRun(runId);
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private TrainingResult train() {
        optimizer.restore(trainer.initialOptimizerState);
        if (trainer.resume && store != null) {
            store.latest(layout, numParameters).ifPresentOrElse(this::resumeFrom,
                    () -> LOG.warn("Sparkgrad: resume requested but {} holds no checkpoint; starting from scratch", store.location()));
        }
        String transport = trainer.transport.name();
        DistributedEvaluator evaluator = new DistributedEvaluator(runId, trainer.factory, trainer.evaluationChunk, trainer.validationTimeout);
        TransportContext ctx = new TransportContext(sc, runId, blocks, plan, trainer.factory, numParameters, trainer.seed,
                trainer.stepTimeout, trainer.gangTimeout, this::onWaiting);
        try (TransportSession session = trainer.transport.open(ctx)) {
            RunInfo info = new RunInfo(runId, transport, trainer.workers, trainer.globalBatch, plan.steps(), trainer.epochs,
                    numParameters, session.endpoint());
            sinks.forEach(s -> s.onStart(info));
            while (epoch < trainer.epochs) {
                totals = new EpochTotals(partial);
                String group = runId + "-epoch-" + (epoch + 1);
                int last = plan.samples(plan.steps() - 1);
                String description = "Sparkgrad epoch " + (epoch + 1) + "/" + trainer.epochs + ": " + plan.steps() + " steps of "
                        + trainer.globalBatch + " samples" + (last < trainer.globalBatch ? " (the last of " + last + ")" : "")
                        + " on " + trainer.workers + " workers (" + transport + " transport)";
                sc.setJobGroup(group, description, true);
                for (MetricSink s : sinks) {
                    s.onEpochStart(epoch, trainer.epochs, stepInEpoch, plan.steps());
                }
                long t0 = System.nanoTime();
                if (stepInEpoch < plan.steps()) {
                    long base = (long) epoch * plan.steps();
                    session.runEpoch(new EpochSpec(epoch, stepInEpoch, base, group, description), params, this::onStep);
                }
                totals.addSeconds((System.nanoTime() - t0) / 1e9);
                endEpoch(evaluator);
            }
            return new TrainingResult(params.clone(), layout, history);
        } finally {
            sc.clearJobGroup();
            for (MetricSink s : sinks) {
                try {
                    s.close();
                } catch (RuntimeException ex) {
                    LOG.warn("Sparkgrad: metric sink {} failed to close: {}", s, ex.toString());
                }
            }
        }
    }

    /** The transport's step handler: checks that {@code step} is the one the driver is at, applies it, reports it. */
    private float[] onStep(AggregatedStep step) {
        long expected = (long) epoch * plan.steps() + stepInEpoch;
        if (step.globalStep() != expected || step.epoch() != epoch) {
            throw new TrainingException("the " + trainer.transport.name() + " transport delivered step " + step.globalStep()
                    + " of epoch " + (step.epoch() + 1) + " but the driver is at step " + expected + " of epoch " + (epoch + 1));
        }
        StepStats stats = step.stats();
        boolean skipped = driverStep.apply(step, params) == DriverStep.Outcome.SKIPPED;
        totals.add(stats, skipped, step.overheadNanos());
        stepInEpoch = step.stepInEpoch() + 1;
        globalStep = step.globalStep() + 1;
        StepMetrics m = new StepMetrics(epoch, step.stepInEpoch(), plan.steps(), step.globalStep(), stats.meanLoss(), stats.accuracy(),
                stats.count(), step.cycleNanos() < 0 ? Double.NaN : step.cycleNanos() / 1e6, step.maxComputeNanos() / 1e6, skipped);
        for (MetricSink s : sinks) {
            s.onStep(m);
        }
        int every = trainer.checkpointEverySteps;
        if (store != null && every > 0 && globalStep % every == 0 && stepInEpoch < plan.steps()) {
            partial = totals.progress();
            store.save(checkpoint(), layout);
        }
        return params;
    }

    /** The transport's report that the run waits (for barrier slots, say): every sink shows it. */
    private void onWaiting(String message) {
        for (MetricSink s : sinks) {
            s.onWaiting(epoch, message);
        }
    }

    /** Validates (when there is validation data), records and reports the epoch, moves on to the next and checkpoints there. */
    private void endEpoch(DistributedEvaluator evaluator) {
        double vLoss = Double.NaN;
        double vAcc = Double.NaN;
        double vSeconds = 0;
        if (validation != null) {
            sc.setJobGroup(runId + "-validation-" + (epoch + 1),
                    "Sparkgrad validation after epoch " + (epoch + 1) + "/" + trainer.epochs, true);
            long v0 = System.nanoTime();
            StepStats v = evaluator.evaluate(validation, params);
            vSeconds = (System.nanoTime() - v0) / 1e9;
            vLoss = v.meanLoss();
            vAcc = v.accuracy();
        }
        EpochStats stats = totals.toStats(epoch, vLoss, vAcc, vSeconds);
        history.add(stats);
        for (MetricSink s : sinks) {
            s.onEpochEnd(stats);
        }
        epoch++;
        stepInEpoch = 0;
        partial = Checkpoint.EpochProgress.NONE;
        if (store != null) {
            store.save(checkpoint(), layout);
        }
    }

    private Checkpoint checkpoint() {
        return new Checkpoint(epoch, stepInEpoch, globalStep, trainer.seed, params, optimizer.state(), partial, history, config);
    }

    private void resumeFrom(Checkpoint c) {
        String where = store.location();
        for (String key : MUST_MATCH) {
            JsonNode want = canonical(config.get(key));
            JsonNode have = canonical(c.config() == null ? null : c.config().get(key));
            if (!want.equals(have)) {
                throw new IllegalArgumentException("cannot resume from " + where + ": it was written with " + key + "=" + have
                        + " but this run has " + key + "=" + want
                        + (key.equals("steps_per_epoch") ? " (was the last partial batch dropped, dropLast, in one and kept in the other?)" : ""));
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

    /**
     * What a checkpoint records of the run's configuration ({@link #MUST_MATCH} must agree on resume), with the run's
     * own optimizer, its schedule sized to the run.
     */
    private static Map<String, Object> config(DistributedTrainer t, BatchPlan plan, int numParameters, DriverOptimizer optimizer) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("num_parameters", numParameters);
        c.put("global_batch", t.globalBatch);
        c.put("workers", t.workers);
        c.put("partition_sizes", plan.partitionSizes());
        c.put("steps_per_epoch", plan.steps());
        c.put("drop_last", t.dropLast);
        c.put("seed", t.seed);
        c.put("optimizer", optimizer.name());
        c.put("optimizer_config", optimizer.config());
        c.put("epochs", t.epochs);
        c.put("transport", t.transport.name());
        c.put("skip_non_finite", t.skipNonFinite);
        return c;
    }

    private static void checkLayout(List<ParameterSlice> layout, int n) {
        for (ParameterSlice s : layout) {
            if ((long) s.offset() + s.size() > n) {
                throw new IllegalArgumentException("parameter slice " + s + " reaches past the model's " + n + " parameters");
            }
        }
    }

    private static JsonNode canonical(Object o) {
        try {
            return JSON.readTree(JSON.writeValueAsString(o));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("configuration value " + o + " cannot be written as JSON", e);
        }
    }
}
