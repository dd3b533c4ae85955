package io.sparkgrad.tensor;

import java.util.Arrays;

/**
 * Recycled float arrays, so that a warm training step allocates no activation or gradient arrays: PyTorch's caching
 * allocator, limited to the memory whose lifetime the engine knows. {@link Tensor#zeros} and {@link Tensor#empty}
 * (and so the element-wise ops and the forward and backward rules that use them) draw from this thread's free lists,
 * exact size buckets, before they allocate. Two kinds of arrays come back:
 *
 * <ul>
 *   <li>the gradients that flow between operations: what is drawn while {@link Backprop} runs is marked
 *       {@link Storage#recyclable}; {@code Backprop} counts how many pending gradients use such a storage and, once
 *       the last of them has been consumed (handed to its operation's backward rule, or added into a leaf's existing
 *       {@code grad}), frees it. A storage that becomes a leaf's {@code grad} leaves the scheme;</li>
 *   <li>the activations that a module chain made and consumed itself ({@link Intermediates}). Other forward outputs
 *       never come back: a caller may hold them, and only reference counting (which Java lacks) could tell when it
 *       lets go.</li>
 * </ul>
 *
 * A freed storage is marked so that a stale handle fails instead of reading another
 * step's numbers. Per thread, so that two training loops on two threads (Spark tasks) never share an array; bounded
 * in buckets, arrays per bucket and bytes, so that a thread keeps at most about what one training step had live.
 */
final class GradBuffers {
    /** Distinct array sizes kept (a model's layers, times the batch sizes in use); the least recently used goes first. */
    private static final int BUCKETS = 32;
    /** Free arrays kept per size: a pass frees each size about as often as it takes it. */
    private static final int PER_BUCKET = 8;
    /** Floats kept per thread in all (64 MiB). */
    private static final long MAX_FLOATS = 16L << 20;

    private static final ThreadLocal<GradBuffers> THREAD = ThreadLocal.withInitial(GradBuffers::new);

    private final int[] sizes = new int[BUCKETS];
    private final float[][][] free = new float[BUCKETS][PER_BUCKET][];
    private final int[] counts = new int[BUCKETS];
    private final long[] lastUse = new long[BUCKETS];
    private long tick;
    private long floats;
    private int depth;

    private GradBuffers() {
        Arrays.fill(sizes, -1);
    }

    static GradBuffers current() {
        return THREAD.get();
    }

    /** Marks the start of a backward pass on this thread (passes may nest). */
    void enter() {
        depth++;
    }

    void exit() {
        depth--;
    }

    /** Whether a backward pass runs on this thread: what it allocates is recyclable. */
    boolean inBackward() {
        return depth > 0;
    }

    /**
     * A storage of {@code n} floats: a recycled array when one is free (zeroed if {@code zero}), else a fresh one;
     * marked recyclable during a backward pass.
     */
    Storage storage(int n, boolean zero) {
        float[] a = n == 0 ? null : take(n);
        if (a == null) {
            a = new float[n];
        } else if (zero) {
            Arrays.fill(a, 0f);
        }
        Storage s = new Storage(a);
        s.recyclable = depth > 0;
        return s;
    }

    /** Takes {@code s}'s array back and poisons {@code s}: the caller knows that nothing reads it any more. */
    void free(Storage s) {
        if (s.freed) {
            return;
        }
        s.freed = true;
        s.recyclable = false;
        s.freeAfterBackward = false;
        if (s.device != null) {
            s.device.release();
            return;
        }
        give(s.floats);
    }

    private float[] take(int n) {
        for (int b = 0; b < BUCKETS; b++) {
            if (sizes[b] == n && counts[b] > 0) {
                lastUse[b] = ++tick;
                float[] a = free[b][--counts[b]];
                free[b][counts[b]] = null;
                floats -= n;
                return a;
            }
        }
        return null;
    }

    /** Keeps {@code a} for a later {@link #storage} of its size, unless the bounds say to let it go. */
    void give(float[] a) {
        int n = a.length;
        // Over the byte bound, the sizes least recently used go first: they are an earlier workload's (another
        // model, another batch size), and keeping them would leave no room for this one's.
        while (floats + n > MAX_FLOATS && dropOldest(n)) {
            // dropped one size
        }
        if (floats + n > MAX_FLOATS) {
            return;
        }
        int bucket = -1;
        int oldest = 0;
        for (int b = 0; b < BUCKETS; b++) {
            if (sizes[b] == n) {
                bucket = b;
                break;
            }
            if (lastUse[b] < lastUse[oldest]) {
                oldest = b;
            }
        }
        if (bucket < 0) {
            bucket = oldest;
            for (int i = 0; i < counts[bucket]; i++) {
                floats -= free[bucket][i].length;
                free[bucket][i] = null;
            }
            counts[bucket] = 0;
            sizes[bucket] = n;
        }
        lastUse[bucket] = ++tick;
        if (counts[bucket] < PER_BUCKET) {
            free[bucket][counts[bucket]++] = a;
            floats += n;
        }
    }

    /** Lets go of the free arrays of the least recently used size other than {@code keep}; false when there are none. */
    private boolean dropOldest(int keep) {
        int oldest = -1;
        for (int b = 0; b < BUCKETS; b++) {
            if (counts[b] > 0 && sizes[b] != keep && (oldest < 0 || lastUse[b] < lastUse[oldest])) {
                oldest = b;
            }
        }
        if (oldest < 0) {
            return false;
        }
        for (int i = 0; i < counts[oldest]; i++) {
            floats -= free[oldest][i].length;
            free[oldest][i] = null;
        }
        counts[oldest] = 0;
        return true;
    }
}
