package io.sparkgrad.trainer.ml;

import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * The Params that {@link SparkgradClassifier} and {@link SparkgradClassificationModel} share (besides Spark's own
 * column params), with their getters. The Param objects live in each instance ({@link ParamDefs}); the accessors
 * ({@code learningRate()}, ...) are what {@code ParamGridBuilder} takes.
 */
public interface SparkgradParams extends Params {

    /** The model spec, e.g. {@code linear(64) relu linear(10)}; its output is the class logits. No default. */
    LayersParam layers();

    /** The shape of one sample, e.g. {@code [1, 28, 28]}; unset infers {@code [n]} from the first row. */
    IntArrayParam inputShape();

    /** The optimizer: {@code sgd}, {@code adam} or {@code adamw}. Default {@code adam}. */
    Param<String> optimizer();

    /** The learning rate, above 0. Default 0.001. */
    DoubleParam learningRate();

    /** SGD's momentum, in [0, 1) (ignored by Adam and AdamW). Default 0. */
    DoubleParam momentum();

    /** Weight decay, at least 0 (L2 for sgd and adam, decoupled for adamw). Default 0. */
    DoubleParam weightDecay();

    /** Samples per optimizer step over all workers (the global batch). Default 64. */
    IntParam batchSize();

    /** Passes over the training data. Default 10. */
    IntParam epochs();

    /** Data-parallel workers (Spark tasks); 0 means the SparkContext's default parallelism. Default 0. */
    IntParam workers();

    /** The seed of the initial weights, the epoch orders and dropout. */
    LongParam seed();

    /** A boolean column marking validation rows (true) versus training rows; unset trains on all rows. */
    Param<String> validationIndicatorCol();

    /** A Hadoop path for per-epoch checkpoints; unset writes none. */
    Param<String> checkpointDir();

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

    default double getMomentum() {
        return (Double) getOrDefault(momentum());
    }

    default double getWeightDecay() {
        return (Double) getOrDefault(weightDecay());
    }

    default int getBatchSize() {
        return (Integer) getOrDefault(batchSize());
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
