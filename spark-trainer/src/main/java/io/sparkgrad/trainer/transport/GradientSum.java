package io.sparkgrad.trainer.transport;

import io.sparkgrad.kernel.NonFinite;
import io.sparkgrad.kernel.SumKernel;
import io.sparkgrad.trainer.StepStats;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The sum of the workers' gradient sums of one step, computed in one fixed order whatever order the pieces
 * arrive or are merged in, so every transport and every re-run gives bit-identical sums.
 *
 * <p>The fixed order is the dyadic tree over worker indices: the sum over workers {@code [k*2^j, (k+1)*2^j)} is
 * always the sum of its two halves, and the pieces that remain when all workers are in (the binary decomposition of
 * the worker count) are added left to right. An accumulator keeps the completed aligned blocks it has seen and
 * joins two siblings as soon as both are present, so it holds at most about log2(W) gradient buffers, and it can
 * serve as the tiny, lazily filled zero value of Spark's {@code treeAggregate}: an empty accumulator holds no array.
 *
 * <p>Float addition of two numbers is commutative, so joining siblings in either order gives the same bits; only
 * the grouping matters, and the grouping is fixed by the worker indices.
 */
public final class GradientSum implements Serializable {

    private static final long serialVersionUID = 1L;

    /** One completed aligned block: workers {@code [index << level, (index + 1) << level)}. */
    static final class Block implements Serializable {
        private static final long serialVersionUID = 1L;
        final int level;
        final int index;
        final float[] grad;
        double lossSum;
        long correct;
        long count;
        long maxComputeNanos;
        /**
         * Whether {@link #grad} holds a NaN or an infinity, where the pass that summed it looked ({@link #join});
         * null where none did (a worker's own gradient, or a block read back from Spark's serialized form).
         */
        transient Boolean nonFinite;

        Block(int level, int index, float[] grad, double lossSum, long correct, long count, long maxComputeNanos) {
            this.level = level;
            this.index = index;
            this.grad = grad;
            this.lossSum = lossSum;
            this.correct = correct;
            this.count = count;
            this.maxComputeNanos = maxComputeNanos;
        }

        int first() {
            return index << level;
        }
    }

    private Block[] blocks;
    private int size;

    /** An empty accumulator (no array is allocated until the first contribution). */
    public GradientSum() {
        this.blocks = new Block[0];
    }

    GradientSum(Block[] blocks) {
        this.blocks = blocks;
        this.size = blocks.length;
    }

    /**
     * Adds worker {@code worker}'s contribution. The array is taken over (summed into in place), not copied.
     *
     * @throws IllegalStateException if that worker's contribution is already in
     */
    public GradientSum add(int worker, StepStats stats, float[] grad, long computeNanos) {
        if (worker < 0) {
            throw new IllegalArgumentException("worker index must be >= 0, got " + worker);
        }
        insert(new Block(0, worker, grad, stats.lossSum(), stats.correct(), stats.count(), computeNanos));
        return this;
    }

    /** Merges {@code other} into this accumulator (Spark's combine operation); {@code other} must not be used after. */
    public GradientSum merge(GradientSum other) {
        for (int i = 0; i < other.size; i++) {
            insert(other.blocks[i]);
        }
        other.size = 0;
        other.blocks = new Block[0];
        return this;
    }

    private void insert(Block b) {
        while (true) {
            int first = b.first();
            int last = first + (1 << b.level);
            for (int i = 0; i < size; i++) {
                Block o = blocks[i];
                int oFirst = o.first();
                int oLast = oFirst + (1 << o.level);
                if (oFirst < last && first < oLast) {
                    throw new IllegalStateException("contributions of workers [" + Math.max(first, oFirst) + ", "
                            + Math.min(last, oLast) + ") were added twice to one step's sum");
                }
            }
            int siblingIndex = b.index ^ 1;
            int found = -1;
            for (int i = 0; i < size; i++) {
                if (blocks[i].level == b.level && blocks[i].index == siblingIndex) {
                    found = i;
                    break;
                }
            }
            if (found < 0) {
                if (size == blocks.length) {
                    blocks = Arrays.copyOf(blocks, Math.max(4, size * 2));
                }
                blocks[size++] = b;
                return;
            }
            Block s = blocks[found];
            blocks[found] = blocks[--size];
            blocks[size] = null;
            b = join(b.index < s.index ? b : s, b.index < s.index ? s : b);
        }
    }

    private static Block join(Block left, Block right) {
        Block joined = new Block(left.level + 1, left.index >> 1, left.grad, left.lossSum + right.lossSum,
                left.correct + right.correct, left.count + right.count, Math.max(left.maxComputeNanos, right.maxComputeNanos));
        joined.nonFinite = add(left.grad, right.grad);
        return joined;
    }

    /**
     * {@code g += r} (over the threads), and whether any sum is NaN or infinite. The lengths are checked here too, so
     * that a mismatch is refused as this accumulator's other inconsistencies are (IllegalStateException), not as the
     * kernel's bad argument.
     */
    private static boolean add(float[] g, float[] r) {
        if (g.length != r.length) {
            throw new IllegalStateException("gradient sums of different lengths: " + g.length + " and " + r.length);
        }
        return SumKernel.addInto(g, r);
    }

    /** Number of workers whose contributions are in. */
    public int workersIn() {
        int n = 0;
        for (int i = 0; i < size; i++) {
            n += 1 << blocks[i].level;
        }
        return n;
    }

    /**
     * The final sum once all {@code workers} contributions are in.
     *
     * @throws IllegalStateException naming the missing workers otherwise
     */
    public Result result(int workers) {
        Block[] sorted = Arrays.copyOf(blocks, size);
        Arrays.sort(sorted, (a, b) -> Integer.compare(a.first(), b.first()));
        int expect = 0;
        for (Block b : sorted) {
            if (b.first() != expect) {
                break;
            }
            expect += 1 << b.level;
        }
        if (expect != workers || workersIn() != workers) {
            boolean[] in = new boolean[Math.max(workers, 1)];
            for (Block b : sorted) {
                for (int i = b.first(); i < b.first() + (1 << b.level) && i < workers; i++) {
                    in[i] = true;
                }
            }
            StringBuilder missing = new StringBuilder();
            for (int i = 0; i < workers; i++) {
                if (!in[i]) {
                    missing.append(missing.length() == 0 ? "" : ", ").append(i);
                }
            }
            throw new IllegalStateException("step sum is incomplete: expected contributions of " + workers
                    + " workers, missing [" + missing + "]" + (workersIn() > workers ? " and has contributions beyond the last worker" : ""));
        }
        Block acc = sorted[0];
        float[] g = acc.grad;
        double loss = acc.lossSum;
        long correct = acc.correct;
        long count = acc.count;
        long maxNanos = acc.maxComputeNanos;
        Boolean nonFinite = acc.nonFinite;
        for (int k = 1; k < sorted.length; k++) {
            Block b = sorted[k];
            nonFinite = add(g, b.grad);
            loss += b.lossSum;
            correct += b.correct;
            count += b.count;
            maxNanos = Math.max(maxNanos, b.maxComputeNanos);
        }
        // The last pass that summed g looked for NaN and infinities as it wrote; only a sum that no pass wrote here
        // (one worker's) is read again, and only a sum that has some is searched for where.
        NonFinite where = Boolean.FALSE.equals(nonFinite) ? NonFinite.NONE : NonFinite.in(g);
        return new Result(g, new StepStats(loss, correct, count), maxNanos, where);
    }

    /**
     * A step's total.
     *
     * @param gradSum         sum over all workers of their per-sample gradient sums
     * @param stats           summed loss, correct and sample counts
     * @param maxComputeNanos the slowest worker's compute time of the step
     * @param nonFinite       where {@code gradSum} is NaN or infinite
     */
    public record Result(float[] gradSum, StepStats stats, long maxComputeNanos, NonFinite nonFinite) {
    }

    // For the Kryo serializer.
    Block[] blocksForWrite() {
        return Arrays.copyOf(blocks, size);
    }
}
