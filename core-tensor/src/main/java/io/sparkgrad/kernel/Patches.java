package io.sparkgrad.kernel;

import java.util.Arrays;

/**
 * im2col and its adjoint for one convolution geometry, as flat gathers through a tap table.
 *
 * <p>Why this shape: with stride 2 the rows of an MNIST-sized output are only 4 to 14 wide, so a loop per output
 * row with bounds clipping spends more time on loop set-up than on copying (measured about 0.85 ns per element).
 * Instead each sample's channels are first copied into a zero-bordered plane (skipped when there is no padding),
 * after which every tap reads inside the plane; a table gives, for each tap {@code (ki, kj)} and output position
 * {@code q}, the offset to read in that plane. One branch-free loop of {@code outH * outW} then fills a whole row of
 * the column matrix.
 *
 * <p>The column matrix is {@code col[r * cols + s * P + q]}: row {@code r = (ci * kh + ki) * kw + kj} (input channel
 * within the group, tap), column {@code s * P + q} (sample within the sub-batch, output position), with
 * {@code P = outH * outW}.
 */
final class Patches {

    private static final boolean VECTOR = Gemm.vectorModulePresent();

    private final Conv2dGeometry g;
    private final boolean padded;
    private final int hp;
    private final int wp;
    private final int taps;
    private final int p;
    private final int[] tab;

    private static final PlanCache<Patches> CACHE = new PlanCache<>(Patches::new);

    /** The (cached) patches plan for this geometry's layer shape; the batch size does not matter. */
    static Patches of(Conv2dGeometry g) {
        return CACHE.get(g);
    }

    private Patches(Conv2dGeometry g) {
        this.g = g;
        this.padded = g.padH() > 0 || g.padW() > 0;
        this.hp = g.h() + 2 * g.padH();
        this.wp = g.w() + 2 * g.padW();
        this.taps = g.kh() * g.kw();
        int outH = g.outH();
        int outW = g.outW();
        this.p = outH * outW;
        this.tab = new int[taps * p];
        for (int ki = 0; ki < g.kh(); ki++) {
            for (int kj = 0; kj < g.kw(); kj++) {
                int t = ki * g.kw() + kj;
                for (int oh = 0; oh < outH; oh++) {
                    for (int ow = 0; ow < outW; ow++) {
                        tab[t * p + oh * outW + ow] = (oh * g.strideH() + ki * g.dilationH()) * wp
                                + ow * g.strideW() + kj * g.dilationW();
                    }
                }
            }
        }
    }

    /** What a forward convolution does with one block of patches: {@code col} holds them as {@code [kg][cols]}. */
    interface Block {
        /** Samples {@code [b0, b0 + sb)}, group {@code grp}; {@code cols = sb * p} columns, sample {@code s} from {@code s * p}. */
        void run(float[] col, int b0, int sb, int cols, int grp);
    }

    /**
     * Lays out the patches of every sub-batch of at most {@code sub} of the {@code n} samples and every group, in parallel
     * over the samples, and hands each block to {@code body} on the thread that laid it out (the forward passes' shared
     * loop). {@code n} is the caller's batch size: this plan is shared by every batch size.
     */
    void forEachBlock(int n, float[] x, int xOff, int sub, Block body) {
        int kg = g.cPerGroup() * taps;
        Parallelism.parallelFor(n, 1, (chunk, s0, s1) -> {
            float[] col = Scratch.floats(Scratch.COL, kg * sub * p);
            float[] planes = Scratch.floats(Scratch.PLANES, planeFloats());
            clearPlanes(planes);
            for (int b0 = s0; b0 < s1; b0 += sub) {
                int sb = Math.min(sub, s1 - b0);
                int cols = sb * p;
                for (int grp = 0; grp < g.groups(); grp++) {
                    im2col(x, xOff, b0, sb, grp, col, cols, planes);
                    body.run(col, b0, sb, cols, grp);
                }
            }
        });
    }

    /**
     * Floats of per-thread plane buffer needed (0 when there is no padding), with the slack that {@link PlaneRows}
     * may write past the last row.
     */
    int planeFloats() {
        return padded ? g.cPerGroup() * hp * wp + (VECTOR ? PlaneRows.SLACK : 0) : 0;
    }

    /** Zeroes a plane buffer before its first {@link #im2col} in a chunk (interiors are rewritten per sample). */
    void clearPlanes(float[] planes) {
        if (padded) {
            Arrays.fill(planes, 0, planeFloats(), 0f);
        }
    }

    /** Fills {@code col} for samples {@code [b0, b0 + sb)} and the channels of group {@code grp}. */
    void im2col(float[] x, int xOff, int b0, int sb, int grp, float[] col, int cols, float[] planes) {
        int cg = g.cPerGroup();
        int hw = g.h() * g.w();
        int plane = hp * wp;
        for (int s = 0; s < sb; s++) {
            int sampleBase = xOff + ((b0 + s) * g.c() + grp * cg) * hw;
            float[] src;
            int srcBase;
            int srcPlane;
            if (padded) {
                for (int ci = 0; ci < cg; ci++) {
                    int to = ci * plane + g.padH() * wp + g.padW();
                    if (VECTOR) {
                        PlaneRows.copy(x, sampleBase + ci * hw, g.w(), g.h(), planes, to, wp);
                        continue;
                    }
                    for (int ih = 0; ih < g.h(); ih++) {
                        System.arraycopy(x, sampleBase + ci * hw + ih * g.w(), planes, to + ih * wp, g.w());
                    }
                }
                src = planes;
                srcBase = 0;
                srcPlane = plane;
            } else {
                src = x;
                srcBase = sampleBase;
                srcPlane = hw;
            }
            for (int ci = 0; ci < cg; ci++) {
                int base = srcBase + ci * srcPlane;
                for (int t = 0; t < taps; t++) {
                    int dst = (ci * taps + t) * cols + s * p;
                    int tb = t * p;
                    int q = VECTOR ? VectorElementwise.gather(src, base, tab, tb, col, dst, p) : 0;
                    for (; q < p; q++) {
                        col[dst + q] = src[base + tab[tb + q]];
                    }
                }
            }
        }
    }

    /** Adds {@code col} back onto {@code gx} for samples {@code [b0, b0 + sb)} and group {@code grp}. */
    void col2im(float[] col, int cols, int b0, int sb, int grp, float[] gx, int gxOff, float[] planes) {
        int cg = g.cPerGroup();
        int hw = g.h() * g.w();
        int plane = hp * wp;
        for (int s = 0; s < sb; s++) {
            int sampleBase = gxOff + ((b0 + s) * g.c() + grp * cg) * hw;
            float[] dstArr;
            int dstBase;
            int dstPlane;
            if (padded) {
                Arrays.fill(planes, 0, cg * plane, 0f);
                dstArr = planes;
                dstBase = 0;
                dstPlane = plane;
            } else {
                dstArr = gx;
                dstBase = sampleBase;
                dstPlane = hw;
            }
            for (int ci = 0; ci < cg; ci++) {
                int base = dstBase + ci * dstPlane;
                for (int t = 0; t < taps; t++) {
                    int src = (ci * taps + t) * cols + s * p;
                    int tb = t * p;
                    for (int q = 0; q < p; q++) {
                        dstArr[base + tab[tb + q]] += col[src + q];
                    }
                }
            }
            if (padded) {
                for (int ci = 0; ci < cg; ci++) {
                    for (int ih = 0; ih < g.h(); ih++) {
                        int from = ci * plane + (ih + g.padH()) * wp + g.padW();
                        int to = sampleBase + ci * hw + ih * g.w();
                        for (int iw = 0; iw < g.w(); iw++) {
                            gx[to + iw] += planes[from + iw];
                        }
                    }
                }
            }
        }
    }
}
