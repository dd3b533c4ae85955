package io.sparkgrad.trainer.sweep;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.ingest.mnist.Mnist;
import io.sparkgrad.ingest.mnist.MnistCache;
import io.sparkgrad.ingest.mnist.MnistIdxReader;
import io.sparkgrad.ingest.mnist.MnistSubset;
import io.sparkgrad.ingest.spark.SampleBlocks;
import io.sparkgrad.nn.spec.ModelSpec;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.trainer.DistributedTrainer;
import io.sparkgrad.trainer.DriverOptimizer;
import io.sparkgrad.trainer.EpochStats;
import io.sparkgrad.trainer.ReplicaFactory;
import io.sparkgrad.trainer.TrainingException;
import io.sparkgrad.trainer.TrainingResult;
import io.sparkgrad.trainer.engine.GpuReplica;
import io.sparkgrad.trainer.engine.ModuleReplica;
import io.sparkgrad.trainer.optim.EngineOptimizer;
import io.sparkgrad.trainer.plan.Seeds;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * One segment of a trial in data-parallel mode: a {@link DistributedTrainer} fit on {@code workers} Spark tasks,
 * called from a sweep driver thread (fits on one SparkContext may run at once).
 *
 * <p>Each trial has one checkpoint folder ({@code checkpoints/trial-NNNN/}, the trainer's {@code step-N} folders).
 * A segment to epoch {@code toEpoch} is a fit of {@code toEpoch} epochs that resumes from the folder's newest
 * checkpoint: the trainer's epoch order and step seeds are functions of (seed, epoch, step) and its checkpoint holds
 * the weights, the optimizer state and the history, so a paused trial continues exactly the trajectory an
 * uninterrupted fit of the same configuration takes. The first segment starts from the weights trial-per-task mode
 * starts from ({@code Generator(derive(seed, INIT))}).
 *
 * <p>A lost task inside the fit is the trainer's to recover (the barrier transport relaunches its gang and redoes the
 * step in flight). A fit that fails for good (a non-finite step, a model the replicas cannot take, a job that fails
 * after Spark's retries) fails the trial with the error; nothing of it is retried.
 *
 * <p>On GPUs ({@link TrialSegment#device()}), each worker's replica is a {@link GpuReplica} on its task's GPU, its
 * device memory capped at the trial's {@code sweep.gpuShare}; the driver's optimizer step stays on the CPU.
 */
final class DataParallelSegment {
    /** Checkpoints kept per trial: the newest is the one a segment continues from; one more in case it is torn. */
    static final int KEEP = 2;

    private DataParallelSegment() {
    }

    /**
     * Trains {@code seg} (its {@code checkpointOut}'s folder is the trial's checkpoint folder; {@code checkpointIn} is not
     * read: the folder's newest checkpoint is).
     *
     * @param description the Spark call site of the segment's jobs (the trainer's job groups name the epoch)
     */
    static SegmentResult run(SparkSession spark, TrialSegment seg, int workers, String description) {
        long start = System.nanoTime();
        TrialConfig c = seg.config();
        Configuration conf = seg.conf().get();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Path dir = new Path(seg.checkpointOut()).getParent();
        jsc.setCallSite(description);
        try {
            JavaRDD<SampleBlock> train = blocks(spark, c, conf, true, workers);
            JavaRDD<SampleBlock> validation = blocks(spark, c, conf, false, workers);
            FileSystem fs = dir.getFileSystem(conf);
            TrainingResult r = DistributedTrainer.builder()
                    .replicaFactory(replicas(c.modelSpec(), c.seed(), seg.device()))
                    .optimizer(optimizer(c, seg.toEpoch()))
                    .modelSpec(c.modelSpec().toString())
                    .globalBatchSize(c.globalBatchSize()).epochs(seg.toEpoch()).seed(c.seed()).workers(workers)
                    .trainingData(train).validationData(validation)
                    .checkpointDir(dir.toString()).keepCheckpoints(KEEP).resume(fs.exists(dir))
                    .consoleProgress(false)
                    .build().fit();
            List<EpochResult> epochs = new ArrayList<>();
            long steps = 0;
            for (EpochStats e : r.history()) {
                steps += e.steps();
                if (e.epoch() >= seg.fromEpoch()) {
                    epochs.add(new EpochResult(e.epoch() + 1, e.trainLoss(), e.validationLoss(), e.validationAccuracy(),
                            e.seconds() + e.validationSeconds()));
                }
            }
            Path model = new Path(new Path(dir, String.format(Locale.ROOT, "step-%012d", steps)), "model.safetensors");
            if (!fs.exists(model)) {
                throw new IOException("the fit of trial " + seg.trial() + " to epoch " + seg.toEpoch() + " left no checkpoint " + model);
            }
            return new SegmentResult(seg.trial(), seg.fromEpoch(), epochs, model.toString(), null, (System.nanoTime() - start) / 1e9);
        } catch (IOException e) {
            return failed(seg, "cannot read or write the trial's data or checkpoints: " + e.getMessage(), start);
        } catch (TrainingException e) {
            return failed(seg, e.getMessage(), start);
        } catch (RuntimeException e) {
            return failed(seg, e.getClass().getSimpleName() + ": " + e.getMessage(), start);
        } finally {
            jsc.clearCallSite();
        }
    }

    private static SegmentResult failed(TrialSegment seg, String why, long start) {
        return new SegmentResult(seg.trial(), seg.fromEpoch(), List.of(), null, why, (System.nanoTime() - start) / 1e9);
    }

    /**
     * Replicas of {@code spec} starting from the weights trial-per-task mode starts from, on {@code device} (a GPU
     * replica on its task's GPU, capped at the trial's share).
     */
    static ReplicaFactory replicas(ModelSpec spec, long seed, TrialDevice device) {
        return threads -> {
            Generator dropout = new Generator(seed);
            ModuleReplica cpu = new ModuleReplica(spec.build(new Generator(Seeds.derive(seed, TrialTrainer.INIT)), dropout,
                    TrialData.INPUT_SHAPE), dropout, threads);
            return device.gpu() ? new GpuReplica(cpu, TrialData.INPUT_SHAPE, index -> device.opener().open(index, device.gpuShare()),
                    GpuReplica::taskGpu) : cpu;
        };
    }

    /**
     * The driver-side optimizer of {@code optimizer.*} for a fit to epoch {@code toEpoch}, with the engine's defaults for
     * what the keys do not set. A cosine schedule spans the trial's planned epochs, not the fit's: the trainer sizes a
     * whole-run schedule to the fit ({@code toEpoch} epochs), so it is given the plan's length instead.
     */
    static DriverOptimizer optimizer(TrialConfig c, int toEpoch) {
        EngineOptimizer o = updateRule(c);
        return c.schedule().equals("constant") ? o : o.withCosineAnnealingOverPlan(toEpoch, c.epochs(), 0);
    }

    private static EngineOptimizer updateRule(TrialConfig c) {
        return switch (c.optimizer()) {
            case "sgd" -> EngineOptimizer.sgd(c.lr(), c.momentum(), 0, c.weightDecay(), false);
            case "adam" -> EngineOptimizer.adam(c.lr(), 0.9, 0.999, 1e-8, c.weightDecay());
            case "adamw" -> EngineOptimizer.adamw(c.lr(), 0.9, 0.999, 1e-8, c.weightDecay());
            default -> throw new SweepConfigException("optimizer.name '" + c.optimizer() + "' is not allowed; allowed: "
                    + String.join(", ", TrialConfig.OPTIMIZERS));
        };
    }

    /**
     * The trial's training ({@code train}) or validation images as {@code workers} blocks, read by the tasks from the
     * IDX files: the same images, limits and scaling as {@link TrialData}.
     */
    static JavaRDD<SampleBlock> blocks(SparkSession spark, TrialConfig c, Configuration conf, boolean train, int workers) throws IOException {
        Mnist mnist = c.dataDir().isEmpty() ? Mnist.in(MnistCache.defaultDir()) : Mnist.in(new Path(c.dataDir()), conf);
        boolean official = c.split().equals("official");
        MnistSubset subset = train ? (official ? MnistSubset.TRAIN : MnistSubset.TUTORIAL_TRAIN)
                : (official ? MnistSubset.TEST : MnistSubset.TUTORIAL_VALID);
        long count;
        try (MnistIdxReader r = mnist.open(subset)) {
            count = r.count();
        }
        int limit = train ? c.trainLimit() : c.validationLimit();
        if (limit > 0) {
            count = Math.min(count, limit);
        }
        return SampleBlocks.fromIdx(spark, mnist.path(subset.images()).toString(), mnist.path(subset.labels()).toString(),
                subset.first(), count, workers, c.scaling());
    }
}
