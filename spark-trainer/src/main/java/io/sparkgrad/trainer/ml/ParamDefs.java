package io.sparkgrad.trainer.ml;

import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.Params;

import java.io.Serializable;
import java.util.List;

/**
 * The uid and the Param objects of one {@link SparkgradParams} instance, with docs, validators and defaults. Made in
 * the owner's constructor while its uid is parked ({@link PendingUid}; a Param's parent is its owner's uid). Public
 * only as the return type of {@link SparkgradParams#paramDefs()}; its members are the package's own.
 */
public final class ParamDefs implements Serializable {
    private static final long serialVersionUID = 1L;
    /** The optimizers {@code setOptimizer} takes. */
    static final List<String> OPTIMIZERS = List.of("sgd", "adam", "adamw");
    /** The learning-rate schedules {@code setLrSchedule} takes. */
    static final List<String> SCHEDULES = List.of("constant", "cosine");
    /** The devices {@code setDevice} takes. */
    static final List<String> DEVICES = List.of("cpu", "cuda");

    /** The owner's uid, which {@link SparkgradParams#uid()} answers once this is made. */
    final String uid;
    final LayersParam layers;
    final IntArrayParam inputShape;
    final Param<String> optimizer;
    final DoubleParam learningRate;
    final Param<String> lrSchedule;
    final DoubleParam momentum;
    final DoubleParam weightDecay;
    final IntParam batchSize;
    final BooleanParam dropLast;
    final IntParam epochs;
    final IntParam workers;
    final LongParam seed;
    final Param<String> validationIndicatorCol;
    final Param<String> checkpointDir;
    final Param<String> device;

    ParamDefs(Params owner, String uid) {
        this.uid = uid;
        layers = new LayersParam(owner, "layers", "the model spec with PyTorch's layer names, input sizes inferred, its output the"
                + " class logits, e.g. 'linear(64) relu linear(10)'");
        inputShape = new IntArrayParam(owner, "inputShape", "the shape of one sample, e.g. [1, 28, 28]; unset: [n], n the length"
                + " of the first row's features", new ShapeValidator());
        optimizer = new Param<>(owner, "optimizer", "the optimizer: " + String.join(", ", OPTIMIZERS),
                ParamValidators.inArray(OPTIMIZERS));
        learningRate = new DoubleParam(owner, "learningRate", "the learning rate (> 0)", ParamValidators.gt(0));
        lrSchedule = new Param<>(owner, "lrSchedule", "the learning-rate schedule: constant, or cosine (annealed from"
                + " learningRate to 0 over the whole fit, stepped after every optimizer step, as PyTorch's CosineAnnealingLR)",
                ParamValidators.inArray(SCHEDULES));
        momentum = new DoubleParam(owner, "momentum", "SGD's momentum, in [0, 1); Adam and AdamW ignore it",
                ParamValidators.inRange(0, 1, true, false));
        weightDecay = new DoubleParam(owner, "weightDecay", "weight decay (>= 0): L2 for sgd and adam, decoupled for adamw",
                ParamValidators.gtEq(0));
        batchSize = new IntParam(owner, "batchSize", "samples per optimizer step over all workers (> 0)", ParamValidators.gt(0));
        dropLast = new BooleanParam(owner, "dropLast", "drop each epoch's last partial batch (PyTorch's drop_last=True);"
                + " false: the epoch ends with a smaller step over the rows left over");
        epochs = new IntParam(owner, "epochs", "passes over the training data (> 0)", ParamValidators.gt(0));
        workers = new IntParam(owner, "workers", "data-parallel workers, i.e. Spark tasks (>= 0; 0: the default parallelism)",
                ParamValidators.gtEq(0));
        seed = new LongParam(owner, "seed", "the seed of the initial weights, the epoch orders and dropout");
        validationIndicatorCol = new Param<>(owner, "validationIndicatorCol", "a boolean column: true marks a validation row,"
                + " evaluated after every epoch; unset: all rows train");
        checkpointDir = new Param<>(owner, "checkpointDir", "a Hadoop path for a checkpoint after every epoch; unset: none");
        device = new Param<>(owner, "device", "where the fit's replicas compute: " + String.join(", ", DEVICES) + " (cuda: the GPU"
                + " Spark assigned to each task, GPU 0 in local mode, its memory capped at spark.task.resource.gpu.amount of the GPU"
                + " when that is below 1); the fitted model transforms on the CPU", ParamValidators.inArray(DEVICES));
    }

    /**
     * Called by the owner's constructor, after the superclass constructors, with the uid it parked: makes the owner's
     * Param objects (their parent is the parked uid, which the owner's {@code uid()} still answers), sets their defaults
     * and clears the parked uid ({@link PendingUid}).
     */
    static ParamDefs install(Params owner, String uid) {
        ParamDefs defs = new ParamDefs(owner, uid);
        defs.setDefaults(owner);
        PendingUid.clear();
        return defs;
    }

    /** Sets the defaults on {@code owner}. */
    private void setDefaults(Params owner) {
        owner.setDefault(optimizer, "adam");
        owner.setDefault(learningRate, 1e-3);
        owner.setDefault(lrSchedule, "constant");
        owner.setDefault(momentum, 0.0);
        owner.setDefault(weightDecay, 0.0);
        owner.setDefault(batchSize, 64);
        owner.setDefault(dropLast, false);
        owner.setDefault(epochs, 10);
        owner.setDefault(workers, 0);
        owner.setDefault(device, "cpu");
        owner.setDefault(seed, (long) SparkgradClassifier.class.getName().hashCode());
    }
}
