package io.sparkgrad.trainer;

import io.sparkgrad.ingest.block.SampleBlock;

import java.util.Arrays;
import java.util.List;

/**
 * One copy of the model on an executor, in the engine-neutral form the distributed machinery needs. The trainer
 * only ever sees the model as one flat float buffer of parameters and one of gradients, so any engine that keeps
 * its parameters contiguous (core-tensor's {@code FlatParameters}) adapts to it without copying per tensor.
 *
 * <p>A replica is built once per task (or taken from a per-executor pool) by a {@link ReplicaFactory} and is used
 * by one thread at a time; it may use {@code threads} threads internally (see {@link ReplicaFactory#create(int)}).
 *
 * <p>Contract for exact data parallelism: {@link #computeGradient} must depend only on the parameters, the samples
 * it is given and the seed passed to {@link #beginStep}, so a task that Spark re-runs computes the very same sums.
 */
public interface ReplicaModel extends AutoCloseable {

    /** Length of the flat parameter (and gradient) buffer. */
    int numParameters();

    /** A fresh copy of the current flat parameters; the driver reads the initial weights this way. */
    float[] getParameters();

    /** Loads the flat parameters; {@code flat.length == numParameters()}. The array is not retained. */
    void setParameters(float[] flat);

    /** Switches between training mode (dropout on, batch statistics) and evaluation mode, like {@code Module.train}. */
    void train(boolean training);

    /**
     * Called before every {@link #computeGradient}: the global step number and a seed derived from
     * (run seed, step, partition), for anything random inside the step (dropout), so that a retried task
     * draws the same numbers. The default ignores both.
     */
    default void beginStep(long step, long seed) {
    }

    /**
     * Forward and backward pass over the samples {@code order[from] .. order[from + count - 1]} of {@code block}
     * (indices into the block), in training mode.
     *
     * @param gradSumOut length {@link #numParameters()}; the SUM over the samples of the per-sample gradients of
     *                   the loss is ADDED into it (the caller zeroes it when it wants a fresh sum)
     * @return loss summed over the samples, number classified correctly, and {@code count}
     */
    StepStats computeGradient(SampleBlock block, int[] order, int from, int count, float[] gradSumOut);

    /**
     * As {@link #computeGradient}, but {@code gradSumOut} receives the sum itself, whatever it held before: a
     * worker's step. The default zeroes it and adds into it; a replica whose engine keeps the gradient in a buffer of
     * its own copies that instead, one pass over the parameters' worth of memory where zeroing and adding take three.
     */
    default StepStats computeGradientSum(SampleBlock block, int[] order, int from, int count, float[] gradSumOut) {
        Arrays.fill(gradSumOut, 0f);
        return computeGradient(block, order, from, count, gradSumOut);
    }

    /**
     * Forward pass only (no gradients) over the samples {@code from .. from + count - 1} of {@code block} in storage
     * order. The caller switches to evaluation mode first with {@code train(false)}.
     *
     * @return loss summed over the samples, number classified correctly, and {@code count}
     */
    StepStats evaluate(SampleBlock block, int from, int count);

    /**
     * Names and shapes of the tensors inside the flat buffer, in PyTorch's state-dict names. The default describes
     * the whole buffer as one tensor called {@code parameters}.
     */
    default List<ParameterSlice> parameterLayout() {
        return List.of(new ParameterSlice("parameters", 0, new int[] {numParameters()}));
    }

    /** Frees what the replica holds (threads, device memory). The default holds nothing. */
    @Override
    default void close() {
    }
}
