package io.sparkgrad.trainer.plan;

import java.util.Arrays;
import java.util.PriorityQueue;

/**
 * How each global batch of an epoch is split across the workers, in proportion to their partition sizes.
 *
 * <p>Think of every worker's samples as evenly spaced points in {@code [0, 1)}: sample k of a worker with n samples
 * sits at {@code (k + 1/2) / n}. Merging all workers' points by position (ties to the lower worker) gives one
 * sequence of all samples of the epoch; step s takes the slots {@code [s*B, (s+1)*B)} of that sequence (the last
 * step what is left of it). So every full step has exactly B samples, each worker's share of a step differs from its
 * proportional share {@code B * n_w / N} by less than one sample (up to ties), and the shares of all steps never
 * exceed the partition.
 *
 * <p><b>Steps per epoch</b> are {@code ceil(N / B)}: the last step takes the {@code N mod B} samples left over, like
 * PyTorch's {@code DataLoader} by default, so every sample is seen in every epoch; {@link #samples(int)} says how
 * many a step has. With {@code dropLast} they are {@code floor(N / B)} ({@code DataLoader(drop_last=True)}): every
 * step has B samples, and since the order changes every epoch a different handful is left out each time.
 *
 * <p>Worker w's samples of step s are {@code order_w[offset(s, w) .. offset(s, w) + count(s, w) - 1]}, where
 * {@code order_w} is its epoch order ({@link EpochOrder}).
 */
public final class BatchPlan {

    private final int[] sizes;
    private final int globalBatch;
    private final int steps;
    private final long totalSamples;
    /** cumulative[s * W + w] = samples worker w has used before step s; s in 0..steps. */
    private final int[] cumulative;

    private BatchPlan(int[] sizes, int globalBatch, int steps, long totalSamples, int[] cumulative) {
        this.sizes = sizes;
        this.globalBatch = globalBatch;
        this.steps = steps;
        this.totalSamples = totalSamples;
        this.cumulative = cumulative;
    }

    /**
     * The plan for workers with the given partition sizes.
     *
     * @param partitionSizes samples per worker (partition), in partition order
     * @param globalBatch    samples per step over all workers
     * @param dropLast       drop the last partial batch of each epoch instead of taking a smaller last step
     */
    public static BatchPlan of(int[] partitionSizes, int globalBatch, boolean dropLast) {
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
        if (dropLast ? total < globalBatch : total == 0) {
            throw new IllegalArgumentException("global batch size " + globalBatch + " is larger than the " + total
                    + " training samples in partitions " + Arrays.toString(partitionSizes)
                    + (dropLast ? ", and the last partial batch is dropped" : ""));
        }
        final long stepsLong = dropLast ? total / globalBatch : (total + globalBatch - 1) / globalBatch;
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
            final long take = Math.min(globalBatch, total - (long) s * globalBatch);
            for (int k = 0; k < take; k++) {
                int worker = queue.poll();
                next[worker]++;
                if (next[worker] < sizes[worker]) {
                    queue.add(worker);
                }
            }
            System.arraycopy(next, 0, cumulative, (s + 1) * w, w);
        }
        return new BatchPlan(sizes, globalBatch, steps, total, cumulative);
    }

    /** Number of workers (partitions). */
    public int workers() {
        return sizes.length;
    }

    /** Samples per step over all workers. */
    public int globalBatch() {
        return globalBatch;
    }

    /** Steps per epoch: {@code ceil(total / globalBatch)}, or {@code floor} when the last partial batch is dropped. */
    public int steps() {
        return steps;
    }

    /** Samples of step {@code step} (0-based) over all workers: the global batch, or fewer in a partial last step. */
    public int samples(int step) {
        checkStep(step);
        return (int) Math.min(globalBatch, totalSamples - (long) step * globalBatch);
    }

    /** Samples of all partitions. */
    public long totalSamples() {
        return totalSamples;
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
