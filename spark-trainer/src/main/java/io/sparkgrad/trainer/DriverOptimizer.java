package io.sparkgrad.trainer;

import io.sparkgrad.optim.OptimizerState;
import java.util.Map;

/**
 * The optimizer step the driver applies to the flat parameter buffer once the gradients of a global batch have
 * been summed and divided by the global batch size. It holds its own state (momentum buffers, Adam moments, step
 * count), which checkpoints save and restore.
 */
public interface DriverOptimizer {

    /**
     * Updates {@code params} in place from the mean gradient of the step.
     *
     * @param params   flat parameters, updated in place
     * @param meanGrad flat gradient averaged over the global batch, same length; the optimizer may overwrite it
     */
    void step(float[] params, float[] meanGrad);

    /**
     * Updates {@code params} in place from the mean gradient {@code gradSum[i] / samples} of the step (each an IEEE
     * float division). This default divides {@code gradSum} in place and calls {@link #step(float[], float[])}; an
     * optimizer whose update divides as it reads the gradient overrides it, saving that pass over the parameters'
     * worth of memory between two distributed steps.
     *
     * @param params  flat parameters, updated in place
     * @param gradSum flat gradient summed over the global batch, same length; the optimizer may overwrite it
     * @param samples the global batch's sample count, at least 1
     */
    default void stepOnSum(float[] params, float[] gradSum, int samples) {
        for (int i = 0; i < gradSum.length; i++) {
            gradSum[i] = gradSum[i] / samples;
        }
        step(params, gradSum);
    }

    /**
     * A copy of the optimizer's state (core-tensor's {@link OptimizerState}: name, hyperparameters, step count,
     * buffers), for a checkpoint.
     */
    OptimizerState state();

    /**
     * Replaces the state with one taken by {@link #state()} of an optimizer with the same configuration, including the
     * state of one that has not stepped yet: the trainer takes that snapshot when it is built and restores it at the
     * start of every {@code fit()}, or restores a checkpoint's state on resume.
     */
    void restore(OptimizerState state);

    /**
     * A new optimizer with this one's configuration (update rule, hyperparameters, schedule) and the state of one that
     * has not stepped yet; this one is unchanged. Every {@code fit()} steps its own copy, so that runs training at the
     * same time never share state. An implementation that cannot copy itself may return {@code this}: the trainer then
     * refuses a second concurrent fit instead of sharing it.
     */
    DriverOptimizer copy();

    /**
     * This optimizer for a run of {@code totalSteps} driver steps (epochs times steps per epoch), which the trainer
     * calls on each run's copy once it has planned the run's batches: an optimizer whose learning-rate schedule spans
     * the whole run returns a new one sized to it (whose {@link #config()}, the sized schedule, is what checkpoints
     * record); any other returns itself, the default.
     */
    default DriverOptimizer forRun(long totalSteps) {
        return this;
    }

    /** Short name of the update rule, e.g. {@code sgd} or {@code adam}. */
    String name();

    /**
     * Hyperparameters by PyTorch's names ({@code lr}, {@code momentum}, {@code betas}, ...), recorded in checkpoints;
     * a resume refuses a checkpoint whose configuration differs.
     */
    Map<String, Object> config();
}
