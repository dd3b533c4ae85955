package io.sparkgrad.kernel;

import java.util.Arrays;

/**
 * 2-D convolution (PyTorch's cross-correlation) on NCHW float arrays: forward (optionally with a fused ReLU), and
 * the gradients with respect to input, weight and bias. Shapes and the output-size rule are in
 * {@link Conv2dGeometry}; the weight is {@code [o, c / groups, kh, kw]}, the bias {@code [o]}.
 *
 * <p>Three implementations, chosen per call:
 * <ul>
 *   <li>the forward of a layer with at most 16 taps per output (e.g. one input channel, 3x3), with the Vector API
 *       present: {@link PositionConv}, lanes along output positions, so its large output is stored as whole
 *       vectors;
 *   <li>direct convolution ({@link DirectConv}, see {@link #useDirect}) for one group, the Vector API present and
 *       a weight of at most {@value #DIRECT_MAX_WEIGHT} floats (the MNIST CNN's layers): each tap is read straight
 *       from a zero-bordered copy of the input, with lanes along the channels: no column matrix, no GEMM packing;
 *   <li>otherwise im2col + GEMM, batched: each thread lays a sub-batch's patches side by side into one column
 *       matrix {@code col[(c/groups)*kh*kw, S*outH*outW]} sized to stay in L2 and does one GEMM per group for the
 *       whole sub-batch (2-3x faster than one product per sample when outH*outW is only 16 or 49).
 * </ul>
 * A fourth layout lives apart, in {@link LaneConv}: lanes over samples, which the tensor layer uses for whole
 * batches when it can keep that layout from one convolution to the next (inside a {@code Sequential}).
 *
 * <p>All split the minibatch over {@link Parallelism} threads; weight and bias gradients are summed per thread and
 * reduced in thread order at the end (deterministic for a given thread count). Scratch memory is per thread and
 * reused across calls.
 *
 * <p>Gradient kernels either overwrite their output ({@code accumulate == false}) or add into it
 * ({@code accumulate == true}, for gradients that accumulate in place in a flat buffer).
 */
public final class Conv2dKernel {

    private static final boolean VECTOR = Gemm.vectorModulePresent();
    /** Largest transposed weight (floats) for the direct path. */
    private static final long DIRECT_MAX_WEIGHT = 1 << 15;
    /** Target size in floats of one thread's column buffer: about 512 KB, half of a typical L2. */
    private static final int COL_TARGET = 1 << 17;

    private Conv2dKernel() {
    }

    /**
     * {@code y = conv2d(x, w) + bias}.
     *
     * @param g the geometry
     * @param x input {@code [n, c, h, w]} at {@code xOff}
     * @param w weight {@code [o, c/groups, kh, kw]} at {@code wOff}
     * @param bias {@code [o]} at {@code bOff}, or null for none
     * @param y output {@code [n, o, outH, outW]} at {@code yOff}, overwritten
     */
    public static void forward(Conv2dGeometry g, float[] x, int xOff, float[] w, int wOff, float[] bias, int bOff,
            float[] y, int yOff) {
        forward(g, x, xOff, w, wOff, bias, bOff, y, yOff, false);
    }

    /**
     * {@code y = relu(conv2d(x, w) + bias)} when {@code relu} is set (one pass over the output instead of two; the
     * ReLU's backward is {@link ReluKernel#backward} with this {@code y}), else as
     * {@link #forward(Conv2dGeometry, float[], int, float[], int, float[], int, float[], int)}.
     */
    public static void forward(Conv2dGeometry g, float[] x, int xOff, float[] w, int wOff, float[] bias, int bOff,
            float[] y, int yOff, boolean relu) {
        Checks.range("conv2d", "input", x, xOff, g.inputSize());
        Checks.range("conv2d", "weight", w, wOff, g.weightSize());
        Checks.optionalRange("conv2d", "bias", bias, bOff, g.o());
        Checks.range("conv2d", "output", y, yOff, g.outputSize());
        if (g.n() == 0) {
            return;
        }
        if (VECTOR && PositionConv.accepts(g)) {
            PositionConv.forward(g, x, xOff, w, wOff, bias, bOff, y, yOff, relu);
        } else if (useDirect(g)) {
            DirectConvRunner.forward(g, x, xOff, w, wOff, bias, bOff, y, yOff, relu);
        } else {
            forwardIm2col(g, x, xOff, w, wOff, bias, bOff, y, yOff);
            if (relu) {
                ReluKernel.forward(y, yOff, y, yOff, g.outputSize());
            }
        }
    }

    /** The im2col + GEMM forward (any geometry); arguments already checked. */
    static void forwardIm2col(Conv2dGeometry g, float[] x, int xOff, float[] w, int wOff, float[] bias, int bOff,
            float[] y, int yOff) {
        int p = g.outH() * g.outW();
        int kg = g.cPerGroup() * g.kh() * g.kw();
        int og = g.oPerGroup();
        int sub = subBatch(g, kg, p);
        Patches.of(g).forEachBlock(g.n(), x, xOff, sub, (col, b0, sb, cols, grp) -> {
            int wg = wOff + grp * og * kg;
            if (sb == 1) {
                int yo = yOff + (b0 * g.o() + grp * og) * p;
                Gemm.sgemmInner(false, false, og, p, kg, 1f, w, wg, kg, col, 0, cols, 0f, y, yo, p);
                if (bias != null) {
                    for (int oc = 0; oc < og; oc++) {
                        float bv = bias[bOff + grp * og + oc];
                        int row = yo + oc * p;
                        for (int q = 0; q < p; q++) {
                            y[row + q] += bv;
                        }
                    }
                }
            } else {
                float[] out = Scratch.floats(Scratch.OUT, og * sub * p);
                Gemm.sgemmInner(false, false, og, cols, kg, 1f, w, wg, kg, col, 0, cols, 0f, out, 0, cols);
                for (int s = 0; s < sb; s++) {
                    for (int oc = 0; oc < og; oc++) {
                        float bv = bias == null ? 0f : bias[bOff + grp * og + oc];
                        int src = oc * cols + s * p;
                        int dst = yOff + ((b0 + s) * g.o() + grp * og + oc) * p;
                        for (int q = 0; q < p; q++) {
                            y[dst + q] = out[src + q] + bv;
                        }
                    }
                }
            }
        });
    }

    /**
     * All requested gradients in one pass over the batch (the input is laid out once for both the weight gradient
     * and the input gradient). Any of {@code gx}, {@code gw}, {@code gb} may be null to skip it; {@code x} may be
     * null when {@code gw} is null, {@code w} when {@code gx} is null.
     *
     * @param g the geometry
     * @param x forward input {@code [n, c, h, w]}
     * @param w weight {@code [o, c/groups, kh, kw]}
     * @param gy gradient of the output {@code [n, o, outH, outW]}
     * @param gx gradient of the input {@code [n, c, h, w]}, or null
     * @param gw gradient of the weight {@code [o, c/groups, kh, kw]}, or null
     * @param gb gradient of the bias {@code [o]}, or null
     * @param accumulate add into the gradient arrays instead of overwriting them
     */
    public static void backward(Conv2dGeometry g, float[] x, int xOff, float[] w, int wOff, float[] gy, int gyOff,
            float[] gx, int gxOff, float[] gw, int gwOff, float[] gb, int gbOff, boolean accumulate) {
        checkBackward(g, x, xOff, w, wOff, gy, gyOff, gx, gxOff, gw, gwOff, gb, gbOff);
        if (useDirect(g)) {
            DirectConvRunner.backward(g, x, xOff, w, wOff, null, 0, gy, gyOff, gx, gxOff, gw, gwOff, gb, gbOff,
                    accumulate);
        } else {
            backwardIm2col(g, x, xOff, w, wOff, gy, gyOff, gx, gxOff, gw, gwOff, gb, gbOff, accumulate);
        }
    }

    /** The range checks of {@link #backward}'s arrays. */
    private static void checkBackward(Conv2dGeometry g, float[] x, int xOff, float[] w, int wOff, float[] gy,
            int gyOff, float[] gx, int gxOff, float[] gw, int gwOff, float[] gb, int gbOff) {
        Checks.range("conv2d backward", "grad_output", gy, gyOff, g.outputSize());
        if (gw != null) {
            Checks.range("conv2d backward", "input", x, xOff, g.inputSize());
            Checks.range("conv2d backward", "grad_weight", gw, gwOff, g.weightSize());
        }
        if (gx != null) {
            Checks.range("conv2d backward", "weight", w, wOff, g.weightSize());
            Checks.range("conv2d backward", "grad_input", gx, gxOff, g.inputSize());
        }
        Checks.optionalRange("conv2d backward", "grad_bias", gb, gbOff, g.o());
    }

    /**
     * The backward of {@code y = relu(conv2d(x, w) + bias)} (the forward with {@code relu} set): the incoming gradient
     * masked where {@code y > 0}, then {@link #backward}. The direct path masks while it re-lays the gradient out;
     * the others mask into a per-thread scratch buffer, not a fresh array: it is the largest temporary of a small
     * CNN's backward pass.
     *
     * @param y the forward's output {@code [n, o, outH, outW]} at {@code yOff}
     */
    public static void backwardAfterRelu(Conv2dGeometry g, float[] x, int xOff, float[] w, int wOff, float[] y, int yOff,
            float[] gy, int gyOff, float[] gx, int gxOff, float[] gw, int gwOff, float[] gb, int gbOff, boolean accumulate) {
        int size = g.outputSize();
        Checks.range("conv2d backward", "output", y, yOff, size);
        Checks.range("conv2d backward", "grad_output", gy, gyOff, size);
        if (useDirect(g)) {
            checkBackward(g, x, xOff, w, wOff, gy, gyOff, gx, gxOff, gw, gwOff, gb, gbOff);
            DirectConvRunner.backward(g, x, xOff, w, wOff, y, yOff, gy, gyOff, gx, gxOff, gw, gwOff, gb, gbOff,
                    accumulate);
            return;
        }
        float[] masked = Scratch.floats(Scratch.RELU_GRAD, size);
        ReluKernel.backward(y, yOff, gy, gyOff, masked, 0, size, false);
        backward(g, x, xOff, w, wOff, masked, 0, gx, gxOff, gw, gwOff, gb, gbOff, accumulate);
    }

    /** The im2col + GEMM backward (any geometry); arguments already checked. */
    static void backwardIm2col(Conv2dGeometry g, float[] x, int xOff, float[] w, int wOff, float[] gy, int gyOff,
            float[] gx, int gxOff, float[] gw, int gwOff, float[] gb, int gbOff, boolean accumulate) {
        int p = g.outH() * g.outW();
        int kg = g.cPerGroup() * g.kh() * g.kw();
        int og = g.oPerGroup();
        int wsize = g.weightSize();
        int sub = subBatch(g, kg, p);
        int chunks = Parallelism.chunks(g.n(), 1);
        // Per-chunk partial sums of the weight and bias gradients, reduced below in chunk order (deterministic).
        float[] gwPart = gw == null ? null : Scratch.zeros(Scratch.GRAD_WEIGHT_PARTS, chunks * wsize);
        float[] gbPart = gb == null ? null : Scratch.zeros(Scratch.GRAD_BIAS_PARTS, chunks * g.o());
        Patches patches = Patches.of(g);
        Parallelism.parallelForChunks(g.n(), chunks, (chunk, s0, s1) -> {
            if (gx != null && !accumulate) {
                int per = g.c() * g.h() * g.w();
                Arrays.fill(gx, gxOff + s0 * per, gxOff + s1 * per, 0f);
            }
            float[] col = Scratch.floats(Scratch.COL, kg * sub * p);
            float[] gyS = Scratch.floats(Scratch.GRAD_OUT, og * sub * p);
            float[] planes = Scratch.floats(Scratch.PLANES, patches.planeFloats());
            patches.clearPlanes(planes);
            // col2im accumulates into its own planes: it writes the borders, which im2col needs to stay zero.
            float[] gradPlanes = Scratch.floats(Scratch.GRAD_PLANES, patches.planeFloats());
            for (int b0 = s0; b0 < s1; b0 += sub) {
                int sb = Math.min(sub, s1 - b0);
                int cols = sb * p;
                for (int grp = 0; grp < g.groups(); grp++) {
                    // The sub-batch's output gradient for this group as one [og, cols] matrix.
                    float[] gyM;
                    int gyMOff;
                    if (sb == 1) {
                        gyM = gy;
                        gyMOff = gyOff + (b0 * g.o() + grp * og) * p;
                    } else {
                        gyM = gyS;
                        gyMOff = 0;
                        for (int s = 0; s < sb; s++) {
                            for (int oc = 0; oc < og; oc++) {
                                System.arraycopy(gy, gyOff + ((b0 + s) * g.o() + grp * og + oc) * p, gyS,
                                        oc * cols + s * p, p);
                            }
                        }
                    }
                    if (gbPart != null) {
                        for (int oc = 0; oc < og; oc++) {
                            gbPart[chunk * g.o() + grp * og + oc] += BiasKernel.sum(gyM, gyMOff + oc * cols, cols);
                        }
                    }
                    if (gwPart != null) {
                        patches.im2col(x, xOff, b0, sb, grp, col, cols, planes);
                        Gemm.sgemmInner(false, true, og, kg, cols, 1f, gyM, gyMOff, cols, col, 0, cols, 1f, gwPart,
                                chunk * wsize + grp * og * kg, kg);
                    }
                    if (gx != null) {
                        Gemm.sgemmInner(true, false, kg, cols, og, 1f, w, wOff + grp * og * kg, kg, gyM, gyMOff, cols,
                                0f, col, 0, cols);
                        patches.col2im(col, cols, b0, sb, grp, gx, gxOff, gradPlanes);
                    }
                }
            }
        });
        if (gw != null) {
            reduce(gwPart, chunks, wsize, gw, gwOff, accumulate);
        }
        if (gb != null) {
            reduce(gbPart, chunks, g.o(), gb, gbOff, accumulate);
        }
    }

    /** Gradient of the input only: {@code gx = conv_transpose(gy, w)}. */
    public static void backwardInput(Conv2dGeometry g, float[] w, int wOff, float[] gy, int gyOff, float[] gx,
            int gxOff, boolean accumulate) {
        Checks.range("conv2d backward", "grad_input", gx, gxOff, g.inputSize());
        backward(g, null, 0, w, wOff, gy, gyOff, gx, gxOff, null, 0, null, 0, accumulate);
    }

    /** Gradient of the weight only. */
    public static void backwardWeight(Conv2dGeometry g, float[] x, int xOff, float[] gy, int gyOff, float[] gw,
            int gwOff, boolean accumulate) {
        Checks.range("conv2d backward", "grad_weight", gw, gwOff, g.weightSize());
        backward(g, x, xOff, null, 0, gy, gyOff, null, 0, gw, gwOff, null, 0, accumulate);
    }

    /** Gradient of the bias only: {@code gb[o] = sum over n, outH, outW of gy}. */
    public static void backwardBias(Conv2dGeometry g, float[] gy, int gyOff, float[] gb, int gbOff,
            boolean accumulate) {
        Checks.range("conv2d backward", "grad_output", gy, gyOff, g.outputSize());
        Checks.range("conv2d backward", "grad_bias", gb, gbOff, g.o());
        BiasKernel.sumChannels(g.n(), g.o(), g.outH() * g.outW(), gy, gyOff, gb, gbOff, accumulate);
    }

    /**
     * Whether the direct Vector API path runs this geometry: one group, the Vector API present, and a transposed
     * weight small enough to stay in L2 (wide layers are better served by im2col + GEMM, whose k is long).
     */
    static boolean useDirect(Conv2dGeometry g) {
        return VECTOR && g.groups() == 1 && (long) g.c() * g.kh() * g.kw() * (g.o() + 15) <= DIRECT_MAX_WEIGHT;
    }

    static void reduce(float[] parts, int chunks, int size, float[] dst, int off, boolean accumulate) {
        for (int i = 0; i < size; i++) {
            float s = accumulate ? dst[off + i] : 0f;
            for (int c = 0; c < chunks; c++) {
                s += parts[c * size + i];
            }
            dst[off + i] = s;
        }
    }

    /** Samples per GEMM so that one column buffer stays near {@link #COL_TARGET} floats (at least 1). */
    private static int subBatch(Conv2dGeometry g, int kg, int p) {
        long per = (long) kg * p;
        int s = (int) Math.max(1, COL_TARGET / per);
        return Math.max(1, Math.min(s, g.n()));
    }
}
