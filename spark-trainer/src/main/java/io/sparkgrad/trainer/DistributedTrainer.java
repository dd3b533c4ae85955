package io.sparkgrad.trainer;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.optim.OptimizerState;
import io.sparkgrad.trainer.engine.ModuleReplica;
import io.sparkgrad.trainer.eval.DistributedEvaluator;
import io.sparkgrad.trainer.metrics.MetricSink;
import io.sparkgrad.trainer.transport.GradientTransport;
import io.sparkgrad.trainer.transport.barrier.BarrierTransport;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Synchronous data-parallel training on Spark. The driver owns the truth (weights, optimizer state, step counter,
 * seeds); every step, each worker computes the gradient sum of its share of the global batch on its cached
 * partition, the transport brings the sums to the driver, which adds them in a fixed order, divides by the global
 * batch size and steps the optimizer. N workers therefore take the same steps as one process on the same global
 * batches, up to float summation order. Each epoch ends with a distributed validation pass and a checkpoint.
 *
 * <p>A trainer is the run's configuration, immutable once built; each {@link #fit()} trains it as a fresh
 * {@code TrainingRun}, which holds that run's state.
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

    // The configuration, fixed at build time; each fit() reads it through a fresh TrainingRun.
    final ReplicaFactory factory;
    final DriverOptimizer optimizer;
    final int globalBatch;
    final int epochs;
    final long seed;
    final int workers;
    final GradientTransport transport;
    final JavaRDD<SampleBlock> trainingData;
    final JavaRDD<SampleBlock> validationData;
    final float[] initialParameters;
    /** One sample's shape when the caller knows it (else a small job reads it from the data). */
    final int[] sampleShape;
    final String checkpointDir;
    final int checkpointEverySteps;
    final int keepCheckpoints;
    final boolean resume;
    /** The builder's sinks; the console progress is made per run, since it keeps the run's running totals. */
    final List<MetricSink> sinks;
    final boolean console;
    final boolean skipNonFinite;
    final boolean dropLast;
    final Duration stepTimeout;
    final Duration gangTimeout;
    final Duration validationTimeout;
    final String modelSpec;
    final int evaluationChunk;
    final OptimizerState initialOptimizerState;
    private final String runId = "sparkgrad-" + UUID.randomUUID().toString().substring(0, 8);
    /** Fits of this trainer training now: a fit that starts while others train gets a run id of its own. */
    private final AtomicInteger activeFits = new AtomicInteger();
    private final AtomicInteger fitsStarted = new AtomicInteger();
    /**
     * Taken while a fit steps {@link #optimizer} itself, which happens only when its {@link DriverOptimizer#copy()}
     * returns the same object: then a second fit at the same time is refused rather than sharing it.
     */
    private final AtomicBoolean optimizerLent = new AtomicBoolean();
    /** The weights of the last completed fit, for {@link #evaluate(JavaRDD)}; no run reads it. */
    private volatile float[] lastParameters;

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
        this.sampleShape = b.sampleShape;
        this.checkpointDir = b.checkpointDir;
        this.checkpointEverySteps = b.checkpointEverySteps;
        this.keepCheckpoints = b.keepCheckpoints;
        this.resume = b.resume;
        this.sinks = List.copyOf(b.sinks);
        this.console = b.console;
        this.skipNonFinite = b.skipNonFinite;
        this.dropLast = b.dropLast;
        this.stepTimeout = b.stepTimeout;
        this.gangTimeout = b.gangTimeout;
        this.validationTimeout = b.validationTimeout;
        this.modelSpec = b.modelSpec;
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
     * is a fresh {@link TrainingRun} with its own copy of the optimizer ({@link DriverOptimizer#copy()}), which starts
     * from the optimizer state the optimizer had when the trainer was built (or the checkpoint's), so calling
     * {@code fit()} again repeats the run rather than continuing the momentum of the previous one.
     *
     * <p>Runs may train at the same time on one SparkContext, from different threads, of different trainers or of this
     * one: each has its own optimizer, weights and run id (a fit that starts while another fit of this trainer trains
     * gets {@code <runId>-fit<k>}, for its job groups and executor replica pools). Two fits of one trainer with a
     * checkpoint folder cannot train at the same time (they would write one folder), nor can two whose optimizer's
     * {@code copy()} returns itself.
     *
     * @throws TrainingException     when a step times out, the Spark job fails for good, or a step is not finite
     * @throws IllegalStateException when this trainer is already fitting in another thread and either has a checkpoint
     *                               folder or an optimizer that cannot be copied
     */
    public TrainingResult fit() {
        int active = activeFits.incrementAndGet();
        boolean lent = false;
        try {
            if (active > 1 && checkpointDir != null) {
                throw new IllegalStateException("DistributedTrainer " + runId + " is already fitting in another thread and writes its "
                        + "checkpoints to " + checkpointDir + ": two runs at the same time would write one folder. Build one trainer "
                        + "per concurrent run, each with its own checkpointDir");
            }
            DriverOptimizer own = optimizer.copy();
            if (own == optimizer) {
                lent = optimizerLent.compareAndSet(false, true);
                if (!lent) {
                    throw new IllegalStateException("DistributedTrainer " + runId + " is already fitting in another thread, and its "
                            + optimizer.name() + " optimizer's copy() returns itself, so two runs would share one optimizer state: "
                            + "implement copy() or build one trainer, with its own optimizer, per concurrent run");
                }
            } else if (!own.name().equals(optimizer.name()) || !own.config().equals(optimizer.config())) {
                throw new IllegalStateException("the " + optimizer.name() + " optimizer's copy() is a different optimizer: "
                        + own.name() + " " + own.config() + " instead of " + optimizer.name() + " " + optimizer.config());
            }
            int k = fitsStarted.incrementAndGet();
            String id = active == 1 ? runId : runId + "-fit" + k;
            TrainingResult result = TrainingRun.fit(this, id, own);
            lastParameters = result.parameters().clone();
            return result;
        } finally {
            if (lent) {
                optimizerLent.set(false);
            }
            activeFits.decrementAndGet();
        }
    }

    /** Evaluates the given weights over every sample of {@code data}: loss sum, correct and sample counts. */
    public StepStats evaluate(JavaRDD<SampleBlock> data, float[] parameters) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(data.context());
        sc.setJobGroup(runId + "-evaluate", "Sparkgrad evaluation of " + parameters.length + " parameters", true);
        try {
            return new DistributedEvaluator(runId, factory, evaluationChunk).evaluate(data, parameters);
        } finally {
            sc.clearJobGroup();
        }
    }

    /** Evaluates the weights of the last {@link #fit()} over {@code data}. */
    public StepStats evaluate(JavaRDD<SampleBlock> data) {
        float[] last = lastParameters;
        if (last == null) {
            throw new IllegalStateException("evaluate(data) needs a completed fit(); pass the weights with evaluate(data, parameters)");
        }
        return evaluate(data, last);
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
        private int[] sampleShape;
        private String checkpointDir;
        private int checkpointEverySteps;
        private int keepCheckpoints = 3;
        private boolean resume;
        private final List<MetricSink> sinks = new ArrayList<>();
        private boolean console = true;
        private boolean skipNonFinite;
        private boolean dropLast;
        private Duration stepTimeout = Duration.ofMinutes(5);
        private Duration gangTimeout = Duration.ofHours(1);
        private Duration validationTimeout = Duration.ofMinutes(30);
        private String modelSpec;
        private int evaluationChunk = ModuleReplica.EVAL_CHUNK;

        private Builder() {
        }

        /** Builds replicas on the executors (and one on the driver for the initial weights and the layout). Required. */
        public Builder replicaFactory(ReplicaFactory factory) {
            this.factory = Objects.requireNonNull(factory, "replicaFactory");
            return this;
        }

        /**
         * The driver-side optimizer. Required. Each fit sizes a learning-rate schedule over the whole run
         * ({@code EngineOptimizer.withCosineAnnealingOverRun}) to its epochs times steps per epoch
         * ({@link DriverOptimizer#forRun}).
         */
        public Builder optimizer(DriverOptimizer optimizer) {
            this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
            return this;
        }

        /** Samples per step over all workers. Required. */
        public Builder globalBatchSize(int globalBatch) {
            this.globalBatch = globalBatch;
            return this;
        }

        /**
         * Drop each epoch's last partial batch, like PyTorch's {@code DataLoader(drop_last=True)}, so that every step
         * averages over exactly the global batch. Default false: the epoch ends with a smaller step over the samples
         * left over, and every sample counts in every epoch (PyTorch's default, and what a sweep's trials do).
         */
        public Builder dropLast(boolean dropLast) {
            this.dropLast = dropLast;
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
            var parsed = io.sparkgrad.trainer.transport.barrier.ChannelPorts.parse(ports);
            // "0" (any free port) is the default of every transport, so it asks nothing of the stage transport.
            this.channelPorts = parsed.equals(io.sparkgrad.trainer.transport.barrier.ChannelPorts.ANY) ? null : parsed;
            return this;
        }

        /**
         * Training samples as blocks, ideally cached with one block per partition. Required. Any DataFrame becomes
         * blocks through {@code io.sparkgrad.trainer.data.FrameBlocks}; an MNIST frame also through data-ingest's
         * {@code SampleBlocks.fromFrame}.
         */
        public Builder trainingData(JavaRDD<SampleBlock> data) {
            this.trainingData = Objects.requireNonNull(data, "trainingData");
            return this;
        }

        /**
         * The shape of one training sample, e.g. {@code [1, 28, 28]}, when the caller knows it: the run then does not
         * read the data's first partition only to learn it (a job of its own, which read 25,000 MNIST images a second
         * time). Every block is still checked against it. Optional.
         *
         * @throws IllegalArgumentException when a dimension is not positive
         */
        public Builder sampleShape(int... shape) {
            if (shape.length == 0 || java.util.Arrays.stream(shape).anyMatch(d -> d <= 0)) {
                throw new IllegalArgumentException("sampleShape must have positive dimensions, got " + java.util.Arrays.toString(shape));
            }
            this.sampleShape = shape.clone();
            return this;
        }

        /** Validation samples, evaluated after every epoch. Optional. */
        public Builder validationData(JavaRDD<SampleBlock> data) {
            this.validationData = data;
            return this;
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

        /**
         * The model's spec string (e.g. {@code "linear(10)"}), recorded in the run's checkpoint fingerprint so that a
         * resume with another model is refused by name. Optional: the parameter names and shapes are recorded anyway.
         */
        public Builder modelSpec(String spec) {
            this.modelSpec = spec;
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

        /**
         * How long one validation pass may take; a pass still running then has its Spark job group cancelled and the
         * run fails with a {@link TrainingException}. Default 30 minutes.
         */
        public Builder validationTimeout(Duration timeout) {
            if (timeout.isZero() || timeout.isNegative()) {
                throw new IllegalArgumentException("validationTimeout must be positive, got " + timeout);
            }
            this.validationTimeout = timeout;
            return this;
        }

        /** How long one step may take before the run fails as hung. Default 5 minutes. */
        public Builder stepTimeout(Duration timeout) {
            this.stepTimeout = Objects.requireNonNull(timeout, "stepTimeout");
            return this;
        }

        /**
         * How long an epoch may wait for Spark to schedule its tasks before the run fails. The barrier transport's
         * gang of {@code workers} tasks starts only when all its slots are free at once, which other runs training on
         * the same cluster may hold for a whole epoch of theirs: meanwhile the run waits, says "waiting for N barrier
         * slots" in its progress, and its step timeout does not count. Default 1 hour.
         */
        public Builder gangSchedulingTimeout(Duration timeout) {
            if (timeout.isZero() || timeout.isNegative()) {
                throw new IllegalArgumentException("gangSchedulingTimeout must be positive, got " + timeout);
            }
            this.gangTimeout = timeout;
            return this;
        }

        /** Samples per {@code evaluate} call in the validation pass. Default {@value ModuleReplica#EVAL_CHUNK}. */
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
