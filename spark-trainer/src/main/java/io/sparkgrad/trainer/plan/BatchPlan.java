package io.sparkgrad.trainer.plan;

import java.util.Arrays;
import java.util.PriorityQueue;

/**
 * How each global batch of an epoch is split across the workers, in proportion to their partition sizes.
 *
 * <p>Think of every worker's samples as evenly spaced points in {@code [0, 1)}: sample k of a worker with n samples
 * sits at {@code (k + 1/2) / n}. Merging all workers' points by position (ties to the lower worker) gives one
 * sequence of all samples of the epoch; step s takes the slots {@code [s*B, (s+1)*B)} of that sequence. So every
 * step has exactly B samples, each worker's share of a step differs from its proportional share
 * {@code B * n_w / N} by less than one sample (up to ties), and the shares of all steps never exceed the partition.
 *
 * <p><b>Steps per epoch</b> are {@code floor(N / B)}: the last partial batch is dropped, like PyTorch's
 * {@code DataLoader(drop_last=True)}, so every step divides by the same global batch size and takes a step of the
 * same statistical weight. The order changes every epoch, so a different handful of samples is left out each time.
 *
 * <p>Worker w's samples of step s are {@code order_w[offset(s, w) .. offset(s, w) + count(s, w) - 1]}, where
 * {@code order_w} is its epoch order ({@link EpochOrder}).
 */
public final class BatchPlan {

    private final int[] sizes;
    private final int globalBatch;
    private final int steps;
    /** cumulative[s * W + w] = samples worker w has used before step s; s in 0..steps. */
    private final int[] cumulative;

    private BatchPlan(int[] sizes, int globalBatch, int steps, int[] cumulative) {
        this.sizes = sizes;
        this.globalBatch = globalBatch;
        this.steps = steps;
        this.cumulative = cumulative;
    }

    /**
     * The plan for workers with the given partition sizes.
     *
     * @param partitionSizes samples per worker (partition), in partition order
     * @param globalBatch    samples per step over all workers
     */
    public static BatchPlan of(int[] partitionSizes, int globalBatch) {
        final int w = partitionSizes.length;
        if (w == 0) {
            throw new IllegalArgumentException("a batch plan needs at least one partition");
        }
        if (globalBatch <= 0) {
            throw new IllegalArgumentException("global batch size must be positive, got " + globalBatch);
        }
        long total = 0;
        for (int i = 0; i < w; i++) {
            if (partitionSizes[i] < 0) {
                throw new IllegalArgumentException("partition " + i + " has a negative size " + partitionSizes[i]);
            }
            total += partitionSizes[i];
        }
        if (total < globalBatch) {
            throw new IllegalArgumentException("global batch size " + globalBatch + " is larger than the " + total
                    + " training samples in partitions " + Arrays.toString(partitionSizes));
        }
        final long stepsLong = total / globalBatch;
        if (stepsLong * (long) (w) + w > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("too many steps per epoch for a batch plan: " + stepsLong + " steps x " + w + " workers");
        }
        final int steps = (int) stepsLong;
        final int[] sizes = partitionSizes.clone();
        final int[] cumulative = new int[(steps + 1) * w];
        final int[] next = new int[w];
        // Worker a's next point (2k+1)/(2 n_a) comes before worker b's (2j+1)/(2 n_b) iff (2k+1) n_b < (2j+1) n_a.
        PriorityQueue<Integer> queue = new PriorityQueue<>(Math.max(1, w), (a, b) -> {
            long lhs = (2L * next[a] + 1) * sizes[b];
            long rhs = (2L * next[b] + 1) * sizes[a];
            return lhs != rhs ? Long.compare(lhs, rhs) : Integer.compare(a, b);
        });
        for (int i = 0; i < w; i++) {
            if (sizes[i] > 0) {
                queue.add(i);
            }
        }
        for (int s = 0; s < steps; s++) {
            for (int k = 0; k < globalBatch; k++) {
                int worker = queue.poll();
                next[worker]++;
                if (next[worker] < sizes[worker]) {
                    queue.add(worker);
                }
            }
            System.arraycopy(next, 0, cumulative, (s + 1) * w, w);
        }
        return new BatchPlan(sizes, globalBatch, steps, cumulative);
    }

    /** Number of workers (partitions). */
    public int workers() {
        return sizes.length;
    }

    /** Samples per step over all workers. */
    public int globalBatch() {
        return globalBatch;
    }

    /** Steps per epoch, {@code floor(total / globalBatch)}. */
    public int steps() {
        return steps;
    }

    /** Samples of all partitions. */
    public long totalSamples() {
        long t = 0;
        for (int s : sizes) {
            t += s;
        }
        return t;
    }

    /** Samples in partition {@code worker}. */
    public int partitionSize(int worker) {
        return sizes[worker];
    }

    /** A copy of the partition sizes. */
    public int[] partitionSizes() {
        return sizes.clone();
    }

    /** Position in worker {@code worker}'s epoch order where its samples of step {@code step} (0-based) begin. */
    public int offset(int step, int worker) {
        checkStep(step);
        return cumulative[step * sizes.length + worker];
    }

    /** How many samples worker {@code worker} contributes to step {@code step} (0-based); may be 0. */
    public int count(int step, int worker) {
        checkStep(step);
        int w = sizes.length;
        return cumulative[(step + 1) * w + worker] - cumulative[step * w + worker];
    }

    private void checkStep(int step) {
        if (step < 0 || step >= steps) {
            throw new IndexOutOfBoundsException("step " + step + " is outside the epoch's steps 0.." + (steps - 1));
        }
    }
}
