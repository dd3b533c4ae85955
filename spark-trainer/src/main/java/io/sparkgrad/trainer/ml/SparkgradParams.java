package io.sparkgrad.trainer.ml;

import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * The Params that {@link SparkgradClassifier} and {@link SparkgradClassificationModel} share (besides Spark's own
 * column params), with their getters. The Param objects live in each instance ({@link ParamDefs}, handed over by
 * {@link #paramDefs()}); the accessors ({@code learningRate()}, ...), declared here once, are what
 * {@code ParamGridBuilder} takes.
 */
public interface SparkgradParams extends Params {

    /**
     * This instance's Param objects, made in its constructor. Public only because interface methods are; the
     * accessors below are the API.
     */
    ParamDefs paramDefs();

    /**
     * The uid: the one parked for the constructor while Spark's superclass constructors make their Params
     * ({@link PendingUid}), then the one {@link #paramDefs()} keeps.
     */
    @Override
    default String uid() {
        ParamDefs defs = paramDefs();
        return defs != null ? defs.uid : PendingUid.current();
    }

    /** The model spec, e.g. {@code linear(64) relu linear(10)}; its output is the class logits. No default. */
    default LayersParam layers() {
        return paramDefs().layers;
    }

    /** The shape of one sample, e.g. {@code [1, 28, 28]}; unset infers {@code [n]} from the first row. */
    default IntArrayParam inputShape() {
        return paramDefs().inputShape;
    }

    /** The optimizer: {@code sgd}, {@code adam} or {@code adamw}. Default {@code adam}. */
    default Param<String> optimizer() {
        return paramDefs().optimizer;
    }

    /** The learning rate, above 0. Default 0.001. */
    default DoubleParam learningRate() {
        return paramDefs().learningRate;
    }

    /** The learning-rate schedule: {@code constant} or {@code cosine} (to 0 over the fit). Default {@code constant}. */
    default Param<String> lrSchedule() {
        return paramDefs().lrSchedule;
    }

    /** SGD's momentum, in [0, 1) (ignored by Adam and AdamW). Default 0. */
    default DoubleParam momentum() {
        return paramDefs().momentum;
    }

    /** Weight decay, at least 0 (L2 for sgd and adam, decoupled for adamw). Default 0. */
    default DoubleParam weightDecay() {
        return paramDefs().weightDecay;
    }

    /** Samples per optimizer step over all workers (the global batch). Default 64. */
    default IntParam batchSize() {
        return paramDefs().batchSize;
    }

    /** Drop each epoch's last partial batch instead of ending it with a smaller step. Default false. */
    default BooleanParam dropLast() {
        return paramDefs().dropLast;
    }

    /** Passes over the training data. Default 10. */
    default IntParam epochs() {
        return paramDefs().epochs;
    }

    /** Data-parallel workers (Spark tasks); 0 means the SparkContext's default parallelism. Default 0. */
    default IntParam workers() {
        return paramDefs().workers;
    }

    /** The seed of the initial weights, the epoch orders and dropout. */
    default LongParam seed() {
        return paramDefs().seed;
    }

    /** A boolean column marking validation rows (true) versus training rows; unset trains on all rows. */
    default Param<String> validationIndicatorCol() {
        return paramDefs().validationIndicatorCol;
    }

    /** A Hadoop path for per-epoch checkpoints; unset writes none. */
    default Param<String> checkpointDir() {
        return paramDefs().checkpointDir;
    }

    /**
     * Where the fit's replicas compute: {@code cpu}, or {@code cuda} (each task's GPU; local mode: GPU 0). Default
     * {@code cpu}. The fitted model's transform runs on the CPU either way.
     */
    default Param<String> device() {
        return paramDefs().device;
    }

    default String getDevice() {
        return getOrDefault(device());
    }

    default String getLayers() {
        return getOrDefault(layers());
    }

    default int[] getInputShape() {
        return getOrDefault(inputShape()).clone();
    }

    default String getOptimizer() {
        return getOrDefault(optimizer());
    }

    default double getLearningRate() {
        return (Double) getOrDefault(learningRate());
    }

    default String getLrSchedule() {
        return getOrDefault(lrSchedule());
    }

    default double getMomentum() {
        return (Double) getOrDefault(momentum());
    }

    default double getWeightDecay() {
        return (Double) getOrDefault(weightDecay());
    }

    default int getBatchSize() {
        return (Integer) getOrDefault(batchSize());
    }

    default boolean getDropLast() {
        return (Boolean) getOrDefault(dropLast());
    }

    default int getEpochs() {
        return (Integer) getOrDefault(epochs());
    }

    default int getWorkers() {
        return (Integer) getOrDefault(workers());
    }

    default long getSeed() {
        return (Long) getOrDefault(seed());
    }

    default String getValidationIndicatorCol() {
        return getOrDefault(validationIndicatorCol());
    }

    default String getCheckpointDir() {
        return getOrDefault(checkpointDir());
    }
}
