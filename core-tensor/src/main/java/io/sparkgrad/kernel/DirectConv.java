package io.sparkgrad.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Direct convolution on the Vector API for {@code groups == 1}: no column matrix and no GEMM packing. Each
 * sub-batch's input is copied once into zero-bordered planes; every tap of every output position is then a scalar
 * read at {@code position offset + tap offset} inside them, broadcast into a vector that runs along the channels.
 *
 * <ul>
 *   <li>forward: lanes over output channels, 8 output positions per register tile; per tap one weight-vector load
 *       and 8 broadcast FMAs;
 *   <li>weight gradient: lanes over output channels, 8 taps per register tile, summed over every position of the
 *       thread's samples, with the output gradient transposed once per sub-batch to {@code [position][channel]};
 *   <li>input gradient: one GEMM gives, per output position and tap, the vector over input channels to add back;
 *       each input pixel gathers and sums its (position, tap) vectors once, channels-last, then a transpose gives
 *       NCHW.
 * </ul>
 *
 * <p>Why: at the MNIST CNN's sizes (7x7 and 4x4 outputs, 16 channels) im2col, packing and col2im are element-wise
 * passes that cost several times the multiply-adds themselves; this path does the same arithmetic with one
 * copy of the input per sample. Only loaded after checking that the module {@code jdk.incubator.vector} is
 * present; see {@link Conv2dKernel} for when it is used.
 */
final class DirectConv {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Positions (forward) or taps (weight gradient) per register tile. */
    private static final int T = 8;
    /** Target size in floats of one thread's padded planes. */
    private static final int PLANE_TARGET = 1 << 16;
    /** Target size in floats of one thread's input-gradient rows. */
    private static final int ROWS_TARGET = 1 << 17;

    private final Conv2dGeometry g;
    private final int hp;
    private final int wp;
    private final int plane;
    private final int outW;
    private final int p;
    private final int kg;
    /** Output channels rounded up to whole vectors, and input channels likewise. */
    private final int oPad;
    private final int cPad;
    /** Samples per sub-batch (at most; the last one of a thread may be shorter). */
    final int sub;
    /** {@link #planes()}. */
    private final ThreadLocal<float[]> ownPlanes = new ThreadLocal<>();
    /** Offset of tap r = (ci * kh + ki) * kw + kj inside one sample's planes, padded to a multiple of T. */
    private final int[] tapOff;
    /** Offset of output position q (in one sample's plane 0), padded to a multiple of T. */
    private final int[] posOff;
    /**
     * The input gradient as a gather: input pixel {@code i} (row-major, unpadded) sums the rows
     * {@code gatherSrc[gatherStart[i] .. gatherStart[i + 1])}, each the offset {@code q * taps * cPad + t * cPad} of
     * an (output position, tap) pair that reads that pixel.
     */
    private final int[] gatherStart;
    private final int[] gatherSrc;
    /**
     * Index maps of the vector gathers that transpose between NCHW and channels-last ({@code FloatVector.fromArray}
     * with a map is one AVX-512 gather; a scalar loop through a stride cost 2-3x as much): {@code laneStride} is
     * {@code 0, cPad, 2 cPad, ...} (one channel across L pixels of a channels-last buffer), {@code channelStride}
     * {@code 0, P, 2 P, ...} (L channels at one position of NCHW output planes).
     */
    private final int[] laneStride;
    private final int[] channelStride;

    DirectConv(Conv2dGeometry g) {
        if (g.groups() != 1) {
            throw new IllegalArgumentException("DirectConv handles groups == 1 only, got " + g);
        }
        this.g = g;
        this.hp = g.h() + 2 * g.padH();
        this.wp = g.w() + 2 * g.padW();
        this.plane = hp * wp;
        this.outW = g.outW();
        this.p = g.outH() * outW;
        this.kg = g.c() * g.kh() * g.kw();
        this.oPad = (g.o() + L - 1) / L * L;
        this.cPad = (g.c() + L - 1) / L * L;
        // Sub-batch: its planes near PLANE_TARGET floats and its transposed output gradient near ROWS_TARGET.
        this.sub = Math.max(1, Math.min(PLANE_TARGET / (g.c() * plane), ROWS_TARGET / (p * oPad)));
        this.tapOff = new int[(kg + T - 1) / T * T];
        for (int ci = 0; ci < g.c(); ci++) {
            for (int ki = 0; ki < g.kh(); ki++) {
                for (int kj = 0; kj < g.kw(); kj++) {
                    tapOff[(ci * g.kh() + ki) * g.kw() + kj] =
                            ci * plane + ki * g.dilationH() * wp + kj * g.dilationW();
                }
            }
        }
        // Offset of tap (ki, kj) inside one plane, without the channel.
        int[] tapPix = new int[g.kh() * g.kw()];
        for (int ki = 0; ki < g.kh(); ki++) {
            for (int kj = 0; kj < g.kw(); kj++) {
                tapPix[ki * g.kw() + kj] = ki * g.dilationH() * wp + kj * g.dilationW();
            }
        }
        this.posOff = new int[(p + T - 1) / T * T];
        for (int oh = 0; oh < g.outH(); oh++) {
            for (int ow = 0; ow < outW; ow++) {
                posOff[oh * outW + ow] = oh * g.strideH() * wp + ow * g.strideW();
            }
        }
        int taps = g.kh() * g.kw();
        int hw = g.h() * g.w();
        this.gatherStart = new int[hw + 1];
        int[] pixelOf = new int[plane];
        java.util.Arrays.fill(pixelOf, -1);
        for (int ih = 0; ih < g.h(); ih++) {
            for (int iw = 0; iw < g.w(); iw++) {
                pixelOf[(ih + g.padH()) * wp + iw + g.padW()] = ih * g.w() + iw;
            }
        }
        for (int q = 0; q < p; q++) {
            for (int t = 0; t < taps; t++) {
                int pix = pixelOf[posOff[q] + tapPix[t]];
                if (pix >= 0) {
                    gatherStart[pix + 1]++;
                }
            }
        }
        for (int i = 0; i < hw; i++) {
            gatherStart[i + 1] += gatherStart[i];
        }
        this.laneStride = new int[L];
        this.channelStride = new int[L];
        for (int l = 0; l < L; l++) {
            laneStride[l] = l * cPad;
            channelStride[l] = l * p;
        }
        this.gatherSrc = new int[gatherStart[hw]];
        int[] next = java.util.Arrays.copyOf(gatherStart, hw);
        for (int q = 0; q < p; q++) {
            for (int t = 0; t < taps; t++) {
                int pix = pixelOf[posOff[q] + tapPix[t]];
                if (pix >= 0) {
                    gatherSrc[next[pix]++] = (q * taps + t) * cPad;
                }
            }
        }
    }

    /** Floats of the scratch tile the kernels need. */
    static int tileFloats() {
        return T * L;
    }

    /** Floats of the transposed output gradient of a sub-batch of {@code samples}. */
    int gradOutputFloats(int samples) {
        return samples * p * oPad;
    }

    /** Output channels rounded up to whole vectors. */
    int paddedOutputChannels() {
        return oPad;
    }

    /** Floats of plane buffer for a sub-batch of {@code samples} (at most {@link #sub}). */
    int planeFloats(int samples) {
        return samples * g.c() * plane;
    }

    /**
     * This thread's planes for this layer, room for {@link #sub} samples, with zero borders: they are zeroed once, when
     * the buffer is made, since {@link #fillPlanes} writes nothing but interiors and zeros and nothing else writes these
     * buffers (a shared scratch buffer needed its borders cleared on every call, a few percent of a small CNN's
     * forward).
     */
    float[] planes() {
        float[] buf = ownPlanes.get();
        if (buf == null) {
            buf = new float[planeFloats(sub) + PlaneRows.SLACK];
            ownPlanes.set(buf);
        }
        return buf;
    }

    /**
     * Copies samples {@code [b0, b0 + sb)} into the interiors of their zero-bordered planes ({@link #planes()}, whose
     * slack takes the last row's spill), channel by channel in increasing order, as {@link PlaneRows} needs.
     */
    void fillPlanes(float[] x, int xOff, int b0, int sb, float[] planes) {
        int hw = g.h() * g.w();
        for (int s = 0; s < sb; s++) {
            for (int ci = 0; ci < g.c(); ci++) {
                int src = xOff + ((b0 + s) * g.c() + ci) * hw;
                int dst = (s * g.c() + ci) * plane + g.padH() * wp + g.padW();
                PlaneRows.copy(x, src, g.w(), g.h(), planes, dst, wp);
            }
        }
    }

    /** The weight as {@code [kg][oPad]} (transposed, zero-padded channels), in this thread's scratch. */
    float[] weightByTap(float[] w, int wOff) {
        float[] wt = Scratch.zeros(Scratch.WEIGHT_BY_TAP, kg * oPad);
        for (int o = 0; o < g.o(); o++) {
            for (int r = 0; r < kg; r++) {
                wt[r * oPad + o] = w[wOff + o * kg + r];
            }
        }
        return wt;
    }

    /** The weight as {@code [o][kh*kw][cPad]} (input channels last, zero-padded), in this thread's scratch. */
    float[] weightByInputChannel(float[] w, int wOff) {
        int taps = g.kh() * g.kw();
        float[] wc = Scratch.zeros(Scratch.WEIGHT_BY_CHANNEL, g.o() * taps * cPad);
        for (int o = 0; o < g.o(); o++) {
            for (int ci = 0; ci < g.c(); ci++) {
                for (int t = 0; t < taps; t++) {
                    wc[(o * taps + t) * cPad + ci] = w[wOff + (o * g.c() + ci) * taps + t];
                }
            }
        }
        return wc;
    }

    /**
     * {@code y = conv(x) + bias}, or {@code relu(conv(x) + bias)}, for the samples in {@code planes} ({@code sb} of
     * them, first sample {@code b0}).
     *
     * @param wt {@link #weightByTap}
     * @param biasPad bias zero-padded to {@code oPad}
     * @param tile scratch of at least {@code T * L} floats
     */
    void forward(float[] planes, int b0, int sb, float[] wt, float[] biasPad, float[] y, int yOff, float[] tile,
            boolean relu) {
        // The floor under the stored values: -inf stores them as they are, 0 applies a fused ReLU.
        FloatVector fl = FloatVector.broadcast(S, relu ? 0f : Float.NEGATIVE_INFINITY);
        int o = g.o();
        for (int s = 0; s < sb; s++) {
            int sampleBase = s * g.c() * plane;
            int ySample = yOff + (b0 + s) * o * p;
            for (int ob = 0; ob < oPad; ob += L) {
                FloatVector bias = FloatVector.fromArray(S, biasPad, ob);
                int lanes = Math.min(L, o - ob);
                for (int q0 = 0; q0 < p; q0 += T) {
                    int p0 = sampleBase + posOff[q0];
                    int p1 = sampleBase + posOff[q0 + 1];
                    int p2 = sampleBase + posOff[q0 + 2];
                    int p3 = sampleBase + posOff[q0 + 3];
                    int p4 = sampleBase + posOff[q0 + 4];
                    int p5 = sampleBase + posOff[q0 + 5];
                    int p6 = sampleBase + posOff[q0 + 6];
                    int p7 = sampleBase + posOff[q0 + 7];
                    FloatVector a0 = bias;
                    FloatVector a1 = bias;
                    FloatVector a2 = bias;
                    FloatVector a3 = bias;
                    FloatVector a4 = bias;
                    FloatVector a5 = bias;
                    FloatVector a6 = bias;
                    FloatVector a7 = bias;
                    for (int r = 0; r < kg; r++) {
                        FloatVector wv = FloatVector.fromArray(S, wt, r * oPad + ob);
                        int t = tapOff[r];
                        a0 = FloatVector.broadcast(S, planes[p0 + t]).fma(wv, a0);
                        a1 = FloatVector.broadcast(S, planes[p1 + t]).fma(wv, a1);
                        a2 = FloatVector.broadcast(S, planes[p2 + t]).fma(wv, a2);
                        a3 = FloatVector.broadcast(S, planes[p3 + t]).fma(wv, a3);
                        a4 = FloatVector.broadcast(S, planes[p4 + t]).fma(wv, a4);
                        a5 = FloatVector.broadcast(S, planes[p5 + t]).fma(wv, a5);
                        a6 = FloatVector.broadcast(S, planes[p6 + t]).fma(wv, a6);
                        a7 = FloatVector.broadcast(S, planes[p7 + t]).fma(wv, a7);
                    }
                    // The floor as 8 vector maxima here rather than one scalar maximum per value stored below.
                    a0.max(fl).intoArray(tile, 0);
                    a1.max(fl).intoArray(tile, L);
                    a2.max(fl).intoArray(tile, 2 * L);
                    a3.max(fl).intoArray(tile, 3 * L);
                    a4.max(fl).intoArray(tile, 4 * L);
                    a5.max(fl).intoArray(tile, 5 * L);
                    a6.max(fl).intoArray(tile, 6 * L);
                    a7.max(fl).intoArray(tile, 7 * L);
                    int qs = Math.min(T, p - q0);
                    for (int l = 0; l < lanes; l++) {
                        int row = ySample + (ob + l) * p + q0;
                        for (int i = 0; i < qs; i++) {
                            y[row + i] = tile[i * L + l];
                        }
                    }
                }
            }
        }
    }

    /**
     * Transposes the output gradient of samples {@code [b0, b0 + sb)} to {@code gyT[(s * P + q) * oPad + o]},
     * masked where the forward's ReLU output {@code relu} is not positive when that is given (the fused ReLU's
     * backward, without a separate pass over the gradient), and adds the per-channel sums of what it wrote (the bias
     * gradient) into {@code gbAcc[gbOff + o]} when that is given.
     *
     * @param relu the forward's output, laid out like {@code gy}, or null for no mask
     * @param gbAcc bias gradient partial sums, or null
     * @param tile scratch of at least {@code T * L} floats
     */
    void transposeGradOutput(float[] gy, int gyOff, float[] relu, int reluOff, int b0, int sb, float[] gyT,
            float[] gbAcc, int gbOff, float[] tile) {
        int o = g.o();
        float[] src = gy;
        int srcOff = gyOff + b0 * o * p;
        if (relu != null) {
            // Masked as whole vectors first (the sub-batch is contiguous), into a buffer that stays in cache: a mask
            // per element inside the transposing loop below cost more than this extra pass.
            src = Scratch.floats(Scratch.RELU_GRAD, sb * o * p);
            VectorElementwise.reluBackward(relu, reluOff + b0 * o * p, gy, srcOff, src, 0, sb * o * p, false);
            srcOff = 0;
        }
        for (int s = 0; s < sb; s++) {
            if (o == oPad) {
                // Whole vectors: each position's channels are one gather (lanes p apart), stored at once.
                int from = srcOff + s * o * p;
                for (int ob = 0; ob < o; ob += L) {
                    for (int q = 0; q < p; q++) {
                        FloatVector.fromArray(S, src, from + ob * p + q, channelStride, 0)
                                .intoArray(gyT, (s * p + q) * oPad + ob);
                    }
                }
                continue;
            }
            for (int oc = 0; oc < o; oc++) {
                int from = srcOff + (s * o + oc) * p;
                int dst = s * p * oPad + oc;
                for (int q = 0; q < p; q++) {
                    gyT[dst + q * oPad] = src[from + q];
                }
            }
            if (o < oPad) {
                for (int q = 0; q < p; q++) {
                    java.util.Arrays.fill(gyT, (s * p + q) * oPad + o, (s * p + q + 1) * oPad, 0f);
                }
            }
        }
        if (gbAcc != null) {
            sumPositions(gyT, sb * p, gbAcc, gbOff, tile);
        }
    }

    /**
     * {@code gbAcc[gbOff + o] += sum over r < rows of gyT[r * oPad + o]}, whole vectors along the channels, rows taken
     * in pairs into two independent sums (one would wait out each add's latency).
     */
    private void sumPositions(float[] gyT, int rows, float[] gbAcc, int gbOff, float[] tile) {
        int o = g.o();
        for (int ob = 0; ob < oPad; ob += L) {
            FloatVector even = FloatVector.zero(S);
            FloatVector odd = FloatVector.zero(S);
            for (int r = 1; r < rows; r += 2) {
                even = even.add(FloatVector.fromArray(S, gyT, (r - 1) * oPad + ob));
                odd = odd.add(FloatVector.fromArray(S, gyT, r * oPad + ob));
            }
            even.add(odd).intoArray(tile, 0);
            if ((rows & 1) != 0) {
                // The last row of an odd count, through memory (a vector merged from two paths may be boxed by C2).
                FloatVector.fromArray(S, tile, 0).add(FloatVector.fromArray(S, gyT, (rows - 1) * oPad + ob))
                        .intoArray(tile, 0);
            }
            int lanes = Math.min(L, o - ob);
            for (int l = 0; l < lanes; l++) {
                gbAcc[gbOff + ob + l] += tile[l];
            }
        }
    }

    /**
     * {@code gwAcc[o * kg + r] += sum over the sub-batch's positions of gy * x}.
     *
     * @param gyT {@link #transposeGradOutput}
     * @param tile scratch of at least {@code T * L} floats
     */
    void gradWeight(float[] planes, int sb, float[] gyT, float[] gwAcc, int gwOff, float[] tile) {
        int o = g.o();
        int full = kg / T * T;
        for (int ob = 0; ob < oPad; ob += L) {
            int lanes = Math.min(L, o - ob);
            // The last kg % T taps one at a time: a whole 8-tap tile for them would be mostly padding (kg = 9 for a
            // one-channel 3x3 layer).
            for (int r = full; r < kg; r++) {
                gradWeightTap(planes, sb, gyT, ob, tapOff[r], tile);
                for (int l = 0; l < lanes; l++) {
                    gwAcc[gwOff + (ob + l) * kg + r] += tile[l];
                }
            }
            for (int r0 = 0; r0 < full; r0 += T) {
                int t0 = tapOff[r0];
                int t1 = tapOff[r0 + 1];
                int t2 = tapOff[r0 + 2];
                int t3 = tapOff[r0 + 3];
                int t4 = tapOff[r0 + 4];
                int t5 = tapOff[r0 + 5];
                int t6 = tapOff[r0 + 6];
                int t7 = tapOff[r0 + 7];
                // Accumulators live in one loop only (per sample) and are summed through memory: vectors carried
                // across two loop levels were boxed by C2 (measured 5x slower).
                java.util.Arrays.fill(tile, 0, T * L, 0f);
                for (int s = 0; s < sb; s++) {
                    int sampleBase = s * g.c() * plane;
                    int gBase = s * p * oPad + ob;
                    FloatVector a0 = FloatVector.zero(S);
                    FloatVector a1 = FloatVector.zero(S);
                    FloatVector a2 = FloatVector.zero(S);
                    FloatVector a3 = FloatVector.zero(S);
                    FloatVector a4 = FloatVector.zero(S);
                    FloatVector a5 = FloatVector.zero(S);
                    FloatVector a6 = FloatVector.zero(S);
                    FloatVector a7 = FloatVector.zero(S);
                    for (int q = 0; q < p; q++) {
                        FloatVector gv = FloatVector.fromArray(S, gyT, gBase + q * oPad);
                        int b = sampleBase + posOff[q];
                        a0 = FloatVector.broadcast(S, planes[b + t0]).fma(gv, a0);
                        a1 = FloatVector.broadcast(S, planes[b + t1]).fma(gv, a1);
                        a2 = FloatVector.broadcast(S, planes[b + t2]).fma(gv, a2);
                        a3 = FloatVector.broadcast(S, planes[b + t3]).fma(gv, a3);
                        a4 = FloatVector.broadcast(S, planes[b + t4]).fma(gv, a4);
                        a5 = FloatVector.broadcast(S, planes[b + t5]).fma(gv, a5);
                        a6 = FloatVector.broadcast(S, planes[b + t6]).fma(gv, a6);
                        a7 = FloatVector.broadcast(S, planes[b + t7]).fma(gv, a7);
                    }
                    a0.add(FloatVector.fromArray(S, tile, 0)).intoArray(tile, 0);
                    a1.add(FloatVector.fromArray(S, tile, L)).intoArray(tile, L);
                    a2.add(FloatVector.fromArray(S, tile, 2 * L)).intoArray(tile, 2 * L);
                    a3.add(FloatVector.fromArray(S, tile, 3 * L)).intoArray(tile, 3 * L);
                    a4.add(FloatVector.fromArray(S, tile, 4 * L)).intoArray(tile, 4 * L);
                    a5.add(FloatVector.fromArray(S, tile, 5 * L)).intoArray(tile, 5 * L);
                    a6.add(FloatVector.fromArray(S, tile, 6 * L)).intoArray(tile, 6 * L);
                    a7.add(FloatVector.fromArray(S, tile, 7 * L)).intoArray(tile, 7 * L);
                }
                for (int l = 0; l < lanes; l++) {
                    int row = gwOff + (ob + l) * kg + r0;
                    for (int i = 0; i < T; i++) {
                        gwAcc[row + i] += tile[i * L + l];
                    }
                }
            }
        }
    }

    /** Samples whose input-gradient rows are produced by one GEMM: rows stay near {@value #ROWS_TARGET} floats. */
    private int rowSamples() {
        return Math.max(1, ROWS_TARGET / (p * g.kh() * g.kw() * cPad));
    }

    /** Floats of the {@code [positions, taps * cPad]} input-gradient rows for a sub-batch of {@code samples}. */
    int gradRowFloats(int samples) {
        return Math.min(samples, rowSamples()) * p * g.kh() * g.kw() * cPad;
    }

    /** Floats of one sample's channels-last input gradient. */
    int gradPlaneFloats() {
        return g.h() * g.w() * cPad;
    }

    /** {@code tile[0, L) = sum over the sub-batch's positions of gy[position, ob..] * x[position + tap]}. */
    private void gradWeightTap(float[] planes, int sb, float[] gyT, int ob, int tap, float[] tile) {
        java.util.Arrays.fill(tile, 0, L, 0f);
        for (int s = 0; s < sb; s++) {
            int sampleBase = s * g.c() * plane + tap;
            int gBase = s * p * oPad + ob;
            // Four independent sums: one running sum waits out each FMA's latency, so this leftover tap of a
            // one-channel 3x3 layer cost about as much as a whole 8-tap tile, whose 8 FMAs per position are
            // independent.
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = FloatVector.zero(S);
            FloatVector a2 = FloatVector.zero(S);
            FloatVector a3 = FloatVector.zero(S);
            int q = 0;
            for (; q + 3 < p; q += 4) {
                int gq = gBase + q * oPad;
                a0 = FloatVector.broadcast(S, planes[sampleBase + posOff[q]])
                        .fma(FloatVector.fromArray(S, gyT, gq), a0);
                a1 = FloatVector.broadcast(S, planes[sampleBase + posOff[q + 1]])
                        .fma(FloatVector.fromArray(S, gyT, gq + oPad), a1);
                a2 = FloatVector.broadcast(S, planes[sampleBase + posOff[q + 2]])
                        .fma(FloatVector.fromArray(S, gyT, gq + 2 * oPad), a2);
                a3 = FloatVector.broadcast(S, planes[sampleBase + posOff[q + 3]])
                        .fma(FloatVector.fromArray(S, gyT, gq + 3 * oPad), a3);
            }
            for (; q < p; q++) {
                a0 = FloatVector.broadcast(S, planes[sampleBase + posOff[q]])
                        .fma(FloatVector.fromArray(S, gyT, gBase + q * oPad), a0);
            }
            a0.add(a1).add(a2.add(a3)).add(FloatVector.fromArray(S, tile, 0)).intoArray(tile, 0);
        }
    }

    /**
     * {@code gx (+)= conv_transpose(gy, w)} for samples {@code [b0, b0 + sb)}, as one GEMM and a vector gather:
     * {@code rows[position][tap][ci] = sum over o of gyT[position][o] * w[o][tap][ci]} (k is only the output channel
     * count, but the rows come out channels-last), then each input pixel sums, as whole vectors along the channels,
     * the rows of the (position, tap) pairs that read it ({@link #gatherSrc}) and is written once into a
     * channels-last buffer, which is transposed into NCHW. An earlier per-pixel gather straight from the weights needed
     * four loads per multiply-add and ran about 2x slower; a scatter-add of every row into a zeroed plane did 2-4x the
     * memory operations of this gather, each a read-modify-write.
     *
     * @param gyT {@link #transposeGradOutput} of the same samples
     * @param wc {@link #weightByInputChannel}
     * @param rows scratch of {@link #gradRowFloats} floats
     * @param gplane scratch of {@link #gradPlaneFloats} floats
     */
    void gradInput(float[] gyT, int b0, int sb, float[] wc, float[] rows, float[] gplane, float[] gx, int gxOff,
            boolean accumulate) {
        int c = g.c();
        int taps = g.kh() * g.kw();
        int n = taps * cPad;
        int hw = g.h() * g.w();
        int piece = rowSamples();
        for (int s = 0; s < sb; s++) {
            int local = s % piece;
            if (local == 0) {
                int count = Math.min(piece, sb - s);
                Gemm.sgemmInner(false, false, count * p, n, g.o(), 1f, gyT, s * p * oPad, oPad, wc, 0, n, 0f, rows,
                        0, n);
            }
            int rowBase = local * p * n;
            for (int pix = 0; pix < hw; pix++) {
                int k0 = gatherStart[pix];
                int k1 = gatherStart[pix + 1];
                for (int cb = 0; cb < cPad; cb += L) {
                    FloatVector acc = FloatVector.zero(S);
                    for (int k = k0; k < k1; k++) {
                        acc = acc.add(FloatVector.fromArray(S, rows, rowBase + gatherSrc[k] + cb));
                    }
                    acc.intoArray(gplane, pix * cPad + cb);
                }
            }
            int gxSample = gxOff + (b0 + s) * c * hw;
            int whole = hw / L * L;
            for (int ci = 0; ci < c; ci++) {
                int to = gxSample + ci * hw;
                if (accumulate) {
                    for (int pix = 0; pix < whole; pix += L) {
                        FloatVector.fromArray(S, gplane, pix * cPad + ci, laneStride, 0)
                                .add(FloatVector.fromArray(S, gx, to + pix)).intoArray(gx, to + pix);
                    }
                    for (int pix = whole; pix < hw; pix++) {
                        gx[to + pix] += gplane[pix * cPad + ci];
                    }
                } else {
                    for (int pix = 0; pix < whole; pix += L) {
                        FloatVector.fromArray(S, gplane, pix * cPad + ci, laneStride, 0).intoArray(gx, to + pix);
                    }
                    for (int pix = whole; pix < hw; pix++) {
                        gx[to + pix] = gplane[pix * cPad + ci];
                    }
                }
            }
        }
    }

}
