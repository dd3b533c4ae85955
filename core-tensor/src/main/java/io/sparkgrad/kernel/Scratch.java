package io.sparkgrad.kernel;

import java.util.Arrays;

/**
 * Per-thread reusable float buffers, so that kernels allocate nothing per call once warm. Each kernel uses its own
 * slot numbers (the constants below); a buffer returned by {@link #floats} is only valid until the same thread asks
 * for the same slot again, and its contents are unspecified.
 */
final class Scratch {

    static final int COL = 0;
    static final int OUT = 1;
    static final int GRAD_OUT = 2;
    static final int PLANES = 3;
    static final int GRAD_PLANES = 4;
    /**
     * {@link Conv2dKernel#backwardAfterRelu}'s masked output gradient: the caller's on the im2col path, each chunk's
     * (a sub-batch's worth) on the direct path.
     */
    static final int RELU_GRAD = 5;
    /** The caller's, shared with its team for one region: {@link DirectConv}'s re-laid-out weights and padded bias. */
    static final int WEIGHT_BY_TAP = 6;
    static final int WEIGHT_BY_CHANNEL = 7;
    static final int BIAS_PAD = 8;
    /** The caller's, shared with its team for one region: the per-chunk partial weight and bias gradients. */
    static final int GRAD_WEIGHT_PARTS = 9;
    static final int GRAD_BIAS_PARTS = 10;
    /** {@link LaneKernels}: the caller's re-laid-out weights (shared with its team for one region), and its output gradient. */
    static final int LANE_WEIGHT = 11;
    static final int LANE_GRAD = 12;
    /** {@link LaneKernels}: a weight- or input-gradient tile's 16 accumulators, each thread's own. */
    static final int LANE_SUMS = 13;
    /** {@link LaneSum}'s store of one vector's lanes, read back at once (so any caller may use it). */
    static final int LANE_TOTAL = 14;
    private static final int SLOTS = 15;

    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[SLOTS][]);

    private Scratch() {
    }

    /** A buffer of at least {@code size} floats for this thread and slot. */
    static float[] floats(int slot, int size) {
        float[][] slots = BUFFERS.get();
        float[] buf = slots[slot];
        if (buf == null || buf.length < size) {
            buf = new float[Math.max(size, buf == null ? 0 : Math.min(Integer.MAX_VALUE - 8, buf.length * 3 / 2))];
            slots[slot] = buf;
        }
        return buf;
    }

    /** {@link #floats} with its first {@code size} floats zeroed. */
    static float[] zeros(int slot, int size) {
        float[] buf = floats(slot, size);
        Arrays.fill(buf, 0, size, 0f);
        return buf;
    }
}
