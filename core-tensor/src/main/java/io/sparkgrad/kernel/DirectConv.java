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
 *   <li>input gradient: lanes over input channels; each input pixel sums, over the output positions that read it
 *       (found from the stride/dilation/padding arithmetic, no scatter), {@code gy * weight}, in 4 independent
 *       accumulators to hide the FMA latency.
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
    /** Built on first use; immutable, so a race only builds it twice. */
    private volatile InputGradPlan inputGradPlan;
    /** Offset of tap r = (ci * kh + ki) * kw + kj inside one sample's planes, padded to a multiple of T. */
    private final int[] tapOff;
    /** Offset of output position q (in one sample's plane 0), padded to a multiple of T. */
    private final int[] posOff;

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
        int perSample = g.c() * plane;
        this.sub = Math.max(1, PLANE_TARGET / perSample);
        this.tapOff = new int[(kg + T - 1) / T * T];
        for (int ci = 0; ci < g.c(); ci++) {
            for (int ki = 0; ki < g.kh(); ki++) {
                for (int kj = 0; kj < g.kw(); kj++) {
                    tapOff[(ci * g.kh() + ki) * g.kw() + kj] =
                            ci * plane + ki * g.dilationH() * wp + kj * g.dilationW();
                }
            }
        }
        this.posOff = new int[(p + T - 1) / T * T];
        for (int oh = 0; oh < g.outH(); oh++) {
            for (int ow = 0; ow < outW; ow++) {
                posOff[oh * outW + ow] = oh * g.strideH() * wp + ow * g.strideW();
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

    /** The geometry this plan is for (its batch size is irrelevant and set to 0). */
    Conv2dGeometry geometry() {
        return g;
    }

    /** Copies samples {@code [b0, b0 + sb)} into the interiors of their zero-bordered planes. */
    void fillPlanes(float[] x, int xOff, int b0, int sb, float[] planes) {
        int hw = g.h() * g.w();
        for (int s = 0; s < sb; s++) {
            for (int ci = 0; ci < g.c(); ci++) {
                int src = xOff + ((b0 + s) * g.c() + ci) * hw;
                int dst = (s * g.c() + ci) * plane + g.padH() * wp + g.padW();
                for (int ih = 0; ih < g.h(); ih++) {
                    System.arraycopy(x, src + ih * g.w(), planes, dst + ih * wp, g.w());
                }
            }
        }
    }

    /** The weight as {@code [kg][oPad]} (transposed, zero-padded channels). */
    float[] weightByTap(float[] w, int wOff) {
        float[] wt = new float[kg * oPad];
        for (int o = 0; o < g.o(); o++) {
            for (int r = 0; r < kg; r++) {
                wt[r * oPad + o] = w[wOff + o * kg + r];
            }
        }
        return wt;
    }

    /**
     * The weight as {@code [o][kh*kw][cPad]} (input channels last, zero-padded), followed by one block of
     * {@code cPad} zeros that padding entries of the input-gradient plan point at.
     */
    float[] weightByInputChannel(float[] w, int wOff) {
        int taps = g.kh() * g.kw();
        float[] wc = new float[(g.o() * taps + 1) * cPad];
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
     * {@code y = conv(x) + bias} for the samples in {@code planes} ({@code sb} of them, first sample {@code b0}).
     *
     * @param wt {@link #weightByTap}
     * @param biasPad bias zero-padded to {@code oPad}
     * @param tile scratch of at least {@code T * L} floats
     */
    void forward(float[] planes, int b0, int sb, float[] wt, float[] biasPad, float[] y, int yOff, float[] tile) {
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
                    a0.intoArray(tile, 0);
                    a1.intoArray(tile, L);
                    a2.intoArray(tile, 2 * L);
                    a3.intoArray(tile, 3 * L);
                    a4.intoArray(tile, 4 * L);
                    a5.intoArray(tile, 5 * L);
                    a6.intoArray(tile, 6 * L);
                    a7.intoArray(tile, 7 * L);
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

    /** Transposes the output gradient of samples {@code [b0, b0 + sb)} to {@code gyT[(s * P + q) * oPad + o]}. */
    void transposeGradOutput(float[] gy, int gyOff, int b0, int sb, float[] gyT) {
        int o = g.o();
        for (int s = 0; s < sb; s++) {
            for (int oc = 0; oc < o; oc++) {
                int src = gyOff + ((b0 + s) * o + oc) * p;
                int dst = s * p * oPad + oc;
                for (int q = 0; q < p; q++) {
                    gyT[dst + q * oPad] = gy[src + q];
                }
            }
            if (o < oPad) {
                for (int q = 0; q < p; q++) {
                    java.util.Arrays.fill(gyT, (s * p + q) * oPad + o, (s * p + q + 1) * oPad, 0f);
                }
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
        for (int ob = 0; ob < oPad; ob += L) {
            int lanes = Math.min(L, o - ob);
            for (int r0 = 0; r0 < kg; r0 += T) {
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
                int rs = Math.min(T, kg - r0);
                for (int l = 0; l < lanes; l++) {
                    int row = gwOff + (ob + l) * kg + r0;
                    for (int i = 0; i < rs; i++) {
                        gwAcc[row + i] += tile[i * L + l];
                    }
                }
            }
        }
    }

    /**
     * The input-gradient plan: for input pixel {@code pix = ih * w + iw}, entries {@code [start[pix],
     * start[pix + 1])} of {@code gyIdx} (offset in one sample's output gradient) and {@code wcIdx} (offset in
     * {@link #weightByInputChannel}), one per (output position that reads the pixel, output channel), padded to a
     * multiple of 4 with entries that point at the zero block. Built once per call, shared by all samples.
     */
    record InputGradPlan(int[] start, int[] gyIdx, int[] wcIdx) {
    }

    InputGradPlan inputGradPlan() {
        InputGradPlan plan = inputGradPlan;
        if (plan == null) {
            plan = buildInputGradPlan();
            inputGradPlan = plan;
        }
        return plan;
    }

    private InputGradPlan buildInputGradPlan() {
        int taps = g.kh() * g.kw();
        int o = g.o();
        int zero = o * taps * cPad;
        int[] hr = readers(g.h(), g.kh(), g.strideH(), g.padH(), g.dilationH(), g.outH());
        int[] wr = readers(g.w(), g.kw(), g.strideW(), g.padW(), g.dilationW(), g.outW());
        int pixels = g.h() * g.w();
        int[] start = new int[pixels + 1];
        for (int ih = 0; ih < g.h(); ih++) {
            for (int iw = 0; iw < g.w(); iw++) {
                int n = hr[ih * (g.kh() + 1)] * wr[iw * (g.kw() + 1)] * o;
                start[ih * g.w() + iw + 1] = (n + 3) / 4 * 4;
            }
        }
        for (int i = 0; i < pixels; i++) {
            start[i + 1] += start[i];
        }
        int[] gyIdx = new int[start[pixels]];
        int[] wcIdx = new int[start[pixels]];
        java.util.Arrays.fill(wcIdx, zero);
        for (int ih = 0; ih < g.h(); ih++) {
            for (int iw = 0; iw < g.w(); iw++) {
                int e = start[ih * g.w() + iw];
                for (int hi = 0; hi < hr[ih * (g.kh() + 1)]; hi++) {
                    int hv = hr[ih * (g.kh() + 1) + 1 + hi];
                    for (int wi = 0; wi < wr[iw * (g.kw() + 1)]; wi++) {
                        int wv = wr[iw * (g.kw() + 1) + 1 + wi];
                        int t = (hv >>> 16) * g.kw() + (wv >>> 16);
                        int q = (hv & 0xffff) * outW + (wv & 0xffff);
                        for (int oc = 0; oc < o; oc++, e++) {
                            gyIdx[e] = oc * p + q;
                            wcIdx[e] = (oc * taps + t) * cPad;
                        }
                    }
                }
            }
        }
        return new InputGradPlan(start, gyIdx, wcIdx);
    }

    /**
     * {@code gx (+)= conv_transpose(gy, w)} for samples {@code [b0, b0 + sb)}: each input pixel gathers, through
     * the plan, from the output positions that read it, in one loop with four independent accumulators (FMA
     * latency). Vectors carried across nested loops were boxed by C2, hence the flat plan.
     *
     * @param wc {@link #weightByInputChannel}
     * @param tile scratch of at least {@code L} floats
     */
    void gradInput(float[] gy, int gyOff, int b0, int sb, float[] wc, InputGradPlan plan, float[] gx, int gxOff,
            boolean accumulate, float[] tile) {
        int c = g.c();
        int hw = g.h() * g.w();
        int[] start = plan.start();
        int[] gyIdx = plan.gyIdx();
        int[] wcIdx = plan.wcIdx();
        for (int s = 0; s < sb; s++) {
            int gySample = gyOff + (b0 + s) * g.o() * p;
            int gxSample = gxOff + (b0 + s) * c * hw;
            for (int pix = 0; pix < hw; pix++) {
                int e0 = start[pix];
                int e1 = start[pix + 1];
                for (int cb = 0; cb < cPad; cb += L) {
                    FloatVector a0 = FloatVector.zero(S);
                    FloatVector a1 = FloatVector.zero(S);
                    FloatVector a2 = FloatVector.zero(S);
                    FloatVector a3 = FloatVector.zero(S);
                    for (int e = e0; e < e1; e += 4) {
                        a0 = FloatVector.broadcast(S, gy[gySample + gyIdx[e]])
                                .fma(FloatVector.fromArray(S, wc, wcIdx[e] + cb), a0);
                        a1 = FloatVector.broadcast(S, gy[gySample + gyIdx[e + 1]])
                                .fma(FloatVector.fromArray(S, wc, wcIdx[e + 1] + cb), a1);
                        a2 = FloatVector.broadcast(S, gy[gySample + gyIdx[e + 2]])
                                .fma(FloatVector.fromArray(S, wc, wcIdx[e + 2] + cb), a2);
                        a3 = FloatVector.broadcast(S, gy[gySample + gyIdx[e + 3]])
                                .fma(FloatVector.fromArray(S, wc, wcIdx[e + 3] + cb), a3);
                    }
                    a0.add(a1).add(a2.add(a3)).intoArray(tile, 0);
                    int lanes = Math.min(L, c - cb);
                    int dst = gxSample + cb * hw + pix;
                    if (accumulate) {
                        for (int l = 0; l < lanes; l++) {
                            gx[dst + l * hw] += tile[l];
                        }
                    } else {
                        for (int l = 0; l < lanes; l++) {
                            gx[dst + l * hw] = tile[l];
                        }
                    }
                }
            }
        }
    }

    /**
     * For each input row {@code i} of {@code len}, the (tap, output index) pairs that read it:
     * {@code out[i * (k + 1)]} is the count, followed by entries {@code tap << 16 | outIndex}.
     */
    static int[] readers(int len, int k, int stride, int pad, int dilation, int outLen) {
        int[] r = new int[len * (k + 1)];
        for (int i = 0; i < len; i++) {
            int n = 0;
            for (int t = 0; t < k; t++) {
                int num = i + pad - t * dilation;
                if (num >= 0 && num % stride == 0 && num / stride < outLen) {
                    r[i * (k + 1) + 1 + n] = t << 16 | (num / stride);
                    n++;
                }
            }
            r[i * (k + 1)] = n;
        }
        return r;
    }
}
