package io.sparkgrad.job;

import io.sparkgrad.conf.DeviceType;
import io.sparkgrad.nn.spec.ModelSpec;
import io.sparkgrad.nn.spec.ModelSpecException;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.trainer.ReplicaFactory;
import io.sparkgrad.trainer.engine.GpuReplica;
import io.sparkgrad.trainer.engine.ModuleReplica;
import java.io.Serializable;
import java.util.Arrays;

/**
 * The model a job trains or runs: a spec on an input shape, checked to be a classifier ({@code [classes]} out for one
 * sample).
 *
 * @param spec       the layers
 * @param inputShape the shape of one sample, e.g. {@code [1, 28, 28]} or {@code [64]}
 * @param label      its name for the console and charts: the named model's ({@code mnist-cnn}) or {@code spec}
 */
public record JobModel(ModelSpec spec, int[] inputShape, String label) implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * Checks that {@code spec} runs on {@code inputShape} and gives one score per class.
     *
     * @param key the configuration key or option that gave the model, for messages ({@code model.layers})
     * @throws IllegalArgumentException naming {@code key}, the layer and the shapes otherwise
     */
    public static JobModel of(ModelSpec spec, int[] inputShape, String label, String key) {
        int[] out;
        try {
            out = spec.outputShape(inputShape);
        } catch (ModelSpecException e) {
            throw new IllegalArgumentException(key + ": " + e.getMessage() + " (input shape " + Arrays.toString(inputShape) + ")", e);
        }
        if (out.length != 1 || out[0] < 2) {
            throw new IllegalArgumentException(key + ": the model's output for one sample has shape " + Arrays.toString(out)
                    + " on input shape " + Arrays.toString(inputShape) + "; a classifier's must be [classes], at least 2");
        }
        return new JobModel(spec, inputShape.clone(), label);
    }

    /** Copies the shape. */
    public JobModel {
        inputShape = inputShape.clone();
    }

    @Override
    public int[] inputShape() {
        return inputShape.clone();
    }

    /** The number of classes: the length of the model's output. */
    public int classes() {
        return spec.outputShape(inputShape)[0];
    }

    /**
     * Replicas of this model initialised from {@code seed}: every replica, on any JVM, starts from the same weights (the
     * ones a named model's {@code MnistModels.build(new Generator(seed), dropout)} gives).
     */
    public ReplicaFactory factory(long seed) {
        ModelSpec s = spec;
        int[] shape = inputShape.clone();
        return threads -> {
            Generator dropout = new Generator(seed);
            return new ModuleReplica(s.build(new Generator(seed), dropout, shape), dropout, threads);
        };
    }

    /**
     * Replicas as {@link #factory(long)}'s, computing on {@code device}: with {@code cuda}, each on its Spark task's GPU
     * ({@link GpuReplica}); the weights, layout and results are the CPU replica's.
     */
    public ReplicaFactory factory(long seed, DeviceType device) {
        return device == DeviceType.CUDA ? GpuReplica.factory(spec, inputShape, seed) : factory(seed);
    }

    /** A fresh replica with {@code parameters} (the trainer's flat layout) in it. */
    public ModuleReplica replica(float[] parameters) {
        ModuleReplica r = (ModuleReplica) factory(0).create(1);
        if (r.numParameters() != parameters.length) {
            r.close();
            throw new IllegalArgumentException("the model " + this + " has " + r.numParameters() + " parameters, not "
                    + parameters.length);
        }
        r.setParameters(parameters);
        return r;
    }

    @Override
    public String toString() {
        return label + " (" + spec + " on " + Arrays.toString(inputShape) + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JobModel m && spec.equals(m.spec) && Arrays.equals(inputShape, m.inputShape) && label.equals(m.label);
    }

    @Override
    public int hashCode() {
        return spec.hashCode() * 31 + Arrays.hashCode(inputShape);
    }
}
