package io.sparkgrad.trainer.transport;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.trainer.ReplicaFactory;
import io.sparkgrad.trainer.ReplicaModel;
import io.sparkgrad.trainer.StepStats;
import io.sparkgrad.trainer.plan.EpochOrder;
import io.sparkgrad.trainer.plan.Seeds;

import java.util.Arrays;

/**
 * The executor side of one step, shared by every transport: load the step's weights, compute the gradient sum of
 * this worker's share of the global batch, and time the computation. A transport only moves bytes around it.
 *
 * <p>Not thread-safe: one per task.
 */
public final class GradientWorker implements AutoCloseable {

    private final String runId;
    private final ReplicaModel replica;
    private final SampleBlock block;
    private final int partition;
    private final long seed;
    private final int[] order;
    private final float[] gradSum;
    private boolean failed;
    private boolean closed;

    private GradientWorker(String runId, ReplicaModel replica, SampleBlock block, int partition, long seed, int[] order) {
        this.runId = runId;
        this.replica = replica;
        this.block = block;
        this.partition = partition;
        this.seed = seed;
        this.order = order;
        this.gradSum = new float[replica.numParameters()];
    }

    /**
     * A worker for one partition and epoch, with a replica from the per-JVM pool.
     *
     * @param threads threads the replica may use (the task's {@code spark.task.cpus})
     */
    public static GradientWorker open(String runId, ReplicaFactory factory, int threads, SampleBlock block, int partition,
                                      long seed, int epoch, int numParameters) {
        ReplicaModel replica = ReplicaPool.acquire(runId, factory, threads);
        if (replica.numParameters() != numParameters) {
            ReplicaPool.discard(replica);
            throw new IllegalStateException("the replica built on this executor has " + replica.numParameters()
                    + " parameters but the driver's model has " + numParameters + ": the factory must build the same model everywhere");
        }
        int[] order = ReplicaPool.order(runId, epoch, partition, () -> EpochOrder.permutation(block.size(), seed, epoch, partition));
        return new GradientWorker(runId, replica, block, partition, seed, order);
    }

    /**
     * Computes this worker's share of one step.
     *
     * @param params     the step's weights
     * @param globalStep the run's step number (for the replica's step seed)
     * @param offset     first position in this worker's epoch order
     * @param count      samples to take (may be 0)
     * @return the gradient sum (a buffer owned by this worker, valid until the next call), stats and compute time
     */
    public Contribution step(float[] params, long globalStep, int offset, int count) {
        if (offset < 0 || count < 0 || offset + count > order.length) {
            throw new IllegalArgumentException("partition " + partition + " has " + order.length + " samples, cannot take "
                    + count + " from position " + offset + " at step " + globalStep);
        }
        failed = true;
        replica.setParameters(params);
        replica.train(true);
        long t0 = System.nanoTime();
        replica.beginStep(globalStep, Seeds.stepSeed(seed, globalStep, partition));
        StepStats stats;
        if (count == 0) {
            Arrays.fill(gradSum, 0f);
            stats = StepStats.ZERO;
        } else {
            stats = replica.computeGradientSum(block, order, offset, count, gradSum);
        }
        long nanos = System.nanoTime() - t0;
        if (stats.count() != count) {
            throw new IllegalStateException("replica reported " + stats.count() + " samples for a slice of " + count
                    + " at step " + globalStep + " on partition " + partition);
        }
        failed = false;
        return new Contribution(stats, gradSum, nanos);
    }

    /**
     * One worker's result of a step.
     *
     * @param stats        loss sum, correct and sample count of the worker's slice
     * @param gradSum      sum of per-sample gradients over the slice
     * @param computeNanos time spent in the replica's gradient computation
     */
    public record Contribution(StepStats stats, float[] gradSum, long computeNanos) {
    }

    /** Returns the replica to the pool, or discards it if a step failed. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (failed) {
            ReplicaPool.discard(replica);
        } else {
            ReplicaPool.release(runId, replica);
        }
    }
}
