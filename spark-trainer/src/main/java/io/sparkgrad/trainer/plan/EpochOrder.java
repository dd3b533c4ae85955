package io.sparkgrad.trainer.plan;

/**
 * The order in which a worker visits its partition in one epoch: a permutation of {@code 0 .. n-1} drawn from
 * (run seed, epoch, partition) alone. A re-run task, a resumed run and the single-process reference compute the
 * very same order.
 */
public final class EpochOrder {

    private EpochOrder() {
    }

    /**
     * Fisher-Yates shuffle driven by a SplitMix64 stream seeded from (seed, epoch, partition).
     *
     * @param n number of samples in the partition
     */
    public static int[] permutation(int n, long seed, int epoch, int partition) {
        if (n < 0) {
            throw new IllegalArgumentException("partition " + partition + " has a negative size " + n);
        }
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        long state = Seeds.derive(seed, Seeds.ORDER, epoch, partition);
        for (int i = n - 1; i > 0; i--) {
            state += 0x9E3779B97F4A7C15L;
            long r = Seeds.mix64(state);
            // Lemire's multiply-shift maps 32 random bits into [0, i] with negligible bias for n < 2^31.
            int j = (int) (((r >>> 32) * (long) (i + 1)) >>> 32);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
