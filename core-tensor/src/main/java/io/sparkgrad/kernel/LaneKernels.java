package io.sparkgrad.kernel;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API kernels behind {@link LaneConv}: convolution on {@link LaneLayout} buffers, lanes over samples.
 * Every register tile is 4 x 4 vectors: in the forward 4 output positions by 4 output channels (per tap 4 input
 * loads, 4 weight broadcasts, 16 multiply-adds), in the input gradient 4 positions by 4 taps (summed over output
 * channels), in the weight gradient 4 output channels by 4 taps (summed over positions and lane blocks, then across
 * lanes once). Positions and taps are padded to multiples of 4 with harmless repeats (a clamped position, tap 0) whose
 * results are dropped or add zero. Only loaded once the module {@code jdk.incubator.vector} is known present.
 */
final class LaneKernels {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    private static final int TILE = 4;
    /** Distinct (layer, layouts) plans kept; past that the cache starts over. */
    private static final int CAPACITY = 64;
    private static final Map<Key, Plan> PLANS = new ConcurrentHashMap<>();

    private LaneKernels() {
    }

    private record Key(Conv2dGeometry g, LaneLayout xl, LaneLayout yl) {
    }

    /** The index tables of one layer between one input layout and one output layout. */
    static final class Plan {
        final int o;
        final int oPad;
        final int taps;
        final int tPad;
        final int p;
        final int pPad;
        final int npad;
        /** Offset of tap {@code (ci, ki, kj)} from an output position's first tap, in the input buffer. */
        final int[] tapOff;
        /** Offset of each output position's first tap (top-left, possibly in the border) in the input buffer. */
        final int[] posIn;
        /** Offset of each output position in channel 0 of the output buffer. */
        final int[] posOut;

        Plan(Conv2dGeometry g, LaneLayout xl, LaneLayout yl) {
            this.o = g.o();
            this.oPad = round(o);
            this.taps = g.c() * g.kh() * g.kw();
            this.tPad = round(taps);
            int outW = g.outW();
            this.p = g.outH() * outW;
            this.pPad = round(p);
            this.npad = xl.npad();
            this.tapOff = new int[tPad];
            for (int ci = 0; ci < g.c(); ci++) {
                for (int ki = 0; ki < g.kh(); ki++) {
                    for (int kj = 0; kj < g.kw(); kj++) {
                        tapOff[(ci * g.kh() + ki) * g.kw() + kj] = ci * xl.channelStride()
                                + (ki * g.dilationH() * xl.wp() + kj * g.dilationW()) * npad;
                    }
                }
            }
            this.posIn = new int[pPad];
            this.posOut = new int[pPad];
            for (int q = 0; q < pPad; q++) {
                int qq = Math.min(q, p - 1);
                int oy = qq / outW;
                int ox = qq % outW;
                posIn[q] = xl.at(oy * g.strideH() - g.padH(), ox * g.strideW() - g.padW());
                posOut[q] = yl == null ? 0 : yl.at(oy, ox);
            }
        }

        private static int round(int v) {
            return (v + TILE - 1) / TILE * TILE;
        }

        /** Floats of the output gradient as {@link #gradOutput} lays it out: {@code [o][pPad][npad]}. */
        int gradFloats() {
            return o * pPad * npad;
        }
    }

    static Plan plan(Conv2dGeometry g, LaneLayout xl, LaneLayout yl) {
        Key key = new Key(g, xl, yl);
        Plan plan = PLANS.get(key);
        if (plan == null) {
            if (PLANS.size() >= CAPACITY) {
                PLANS.clear();
            }
            plan = PLANS.computeIfAbsent(key, k -> new Plan(k.g(), k.xl(), k.yl()));
        }
        return plan;
    }

    // ------------------------------------------------------------------------------------------- layout changes

    /** NCHW {@code x} into {@code dst} laid out as {@code l}: interior, zero border, zero lanes past {@code n}. */
    static void pack(float[] x, int xOff, LaneLayout l, float[] dst) {
        int chw = l.c() * l.h() * l.w();
        int[] map = new int[L];
        for (int i = 0; i < L; i++) {
            map[i] = i * chw;
        }
        zeroBorder(dst, l);
        int hw = l.h() * l.w();
        Parallelism.parallelFor(l.c() * l.h(), 4, (chunk, start, end) -> {
            for (int row = start; row < end; row++) {
                int ci = row / l.h();
                int yy = row % l.h();
                int dRow = ci * l.channelStride() + l.at(yy, 0);
                int sRow = xOff + ci * hw + yy * l.w();
                int full = l.n() / L * L;
                for (int n0 = 0; n0 < full; n0 += L) {
                    int src = sRow + n0 * chw;
                    for (int xx = 0; xx < l.w(); xx++) {
                        FloatVector.fromArray(S, x, src + xx, map, 0).intoArray(dst, dRow + xx * l.npad() + n0);
                    }
                }
                // The last, partly spare block lane by lane, zeros past the batch.
                for (int xx = 0; xx < l.w(); xx++) {
                    int d = dRow + xx * l.npad();
                    for (int i = full; i < l.n(); i++) {
                        dst[d + i] = x[sRow + i * chw + xx];
                    }
                    Arrays.fill(dst, d + l.n(), d + l.npad(), 0f);
                }
            }
        });
    }

    /** The NCHW elements of the view {@code l} of {@code src}, into {@code dst} from {@code dstOff}. */
    static void unpack(float[] src, LaneLayout l, float[] dst, int dstOff) {
        int chw = l.c() * l.h() * l.w();
        int np = l.npad();
        for (int n = 0; n < l.n(); n++) {
            int d = dstOff + n * chw;
            for (int ci = 0; ci < l.c(); ci++) {
                for (int yy = 0; yy < l.h(); yy++) {
                    int s = ci * l.channelStride() + l.at(yy, 0) + n;
                    for (int xx = 0; xx < l.w(); xx++) {
                        dst[d++] = src[s + xx * np];
                    }
                }
            }
        }
    }

    /** Zeroes the border of every plane of {@code a} (laid out as {@code l}); the interior is left alone. */
    static void zeroBorder(float[] a, LaneLayout l) {
        int b = l.border();
        if (b == 0) {
            return;
        }
        int rowFloats = l.wp() * l.npad();
        int side = b * l.npad();
        for (int ci = 0; ci < l.c(); ci++) {
            int plane = ci * l.channelStride();
            Arrays.fill(a, plane, plane + b * rowFloats, 0f);
            int bottom = plane + (b + l.h()) * rowFloats;
            Arrays.fill(a, bottom, bottom + b * rowFloats, 0f);
            for (int yy = 0; yy < l.h(); yy++) {
                int row = plane + (b + yy) * rowFloats;
                Arrays.fill(a, row, row + side, 0f);
                Arrays.fill(a, row + rowFloats - side, row + rowFloats, 0f);
            }
        }
    }

    /** The sum of {@code len} floats from {@code from}, {@code len} a multiple of the vector length. */
    private static float sum(float[] a, int from, int len, float[] lanes) {
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0; i < len; i += L) {
            acc = acc.add(FloatVector.fromArray(S, a, from + i));
        }
        return LaneSum.of(acc, lanes);
    }

    /** Whether every border float of {@code a} (laid out as {@code l}) is zero. */
    static boolean borderIsZero(float[] a, LaneLayout l) {
        int b = l.border();
        int rowFloats = l.wp() * l.npad();
        int side = b * l.npad();
        for (int ci = 0; ci < l.c(); ci++) {
            int plane = ci * l.channelStride();
            if (!zero(a, plane, b * rowFloats) || !zero(a, plane + (b + l.h()) * rowFloats, b * rowFloats)) {
                return false;
            }
            for (int yy = 0; yy < l.h(); yy++) {
                int row = plane + (b + yy) * rowFloats;
                if (!zero(a, row, side) || !zero(a, row + rowFloats - side, side)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean zero(float[] a, int from, int len) {
        int i = 0;
        FloatVector or = FloatVector.zero(S);
        for (; i + L <= len; i += L) {
            // |v| > 0 catches -0f too, which is harmless; NaN fails the compare below and is caught by the scalar test.
            or = or.add(FloatVector.fromArray(S, a, from + i).abs());
        }
        float sum = or.reduceLanes(VectorOperators.ADD);
        for (; i < len; i++) {
            sum += Math.abs(a[from + i]);
        }
        return sum == 0f;
    }

    // -------------------------------------------------------------------------------------------------- forward

    static void forward(Conv2dGeometry g, float[] x, LaneLayout xl, float[] w, int wOff, float[] bias, int bOff,
            float[] y, LaneLayout yl, boolean relu) {
        Plan pl = plan(g, xl, yl);
        int taps = pl.taps;
        float[] wt = Scratch.floats(Scratch.LANE_WEIGHT, taps * pl.oPad);
        for (int t = 0; t < taps; t++) {
            for (int oc = 0; oc < pl.oPad; oc++) {
                wt[t * pl.oPad + oc] = oc < pl.o ? w[wOff + oc * taps + t] : 0f;
            }
        }
        float[] b = Scratch.zeros(Scratch.BIAS_PAD, pl.oPad);
        if (bias != null) {
            System.arraycopy(bias, bOff, b, 0, pl.o);
        }
        zeroBorder(y, yl);
        int ycs = yl.channelStride();
        // Threads split the output positions, not the lanes: two threads storing lanes of one pixel would share the
        // cache line where their lanes meet (arrays are not line-aligned), at every pixel.
        Parallelism.parallelFor(pl.pPad / TILE, 1, (chunk, start, end) -> {
            // Lane blocks innermost: consecutive tiles read and write the next 64 bytes of the same pixels, a stream
            // the prefetcher follows (with blocks outermost, a large batch spreads each block's pixels a KB apart).
            for (int q = start * TILE; q < end * TILE; q += TILE) {
                for (int oc = 0; oc < pl.oPad; oc += TILE) {
                    for (int n0 = 0; n0 < xl.npad(); n0 += L) {
                        forwardTile(pl, x, wt, b, y, ycs, q, oc, n0);
                    }
                }
            }
            if (relu) {
                relu(pl, y, ycs, start * TILE, Math.min(end * TILE, pl.p));
            }
        });
    }

    // ------------------------------------------------------------------------------------------------- backward

    /**
     * The output gradient as {@code gl[o][pPad][npad]}, masked where the fused ReLU's output {@code y} is not
     * positive, zero at padded positions and at lanes past the batch; and the bias gradient, summed from it.
     *
     * @param gy the output gradient: laid out as {@code gyl}, or NCHW contiguous at {@code gyOff} when {@code gyl}
     *     is null
     * @param y the forward's output laid out as {@code yl}, or null without a ReLU
     */
    static void gradOutput(Plan pl, Conv2dGeometry g, float[] gy, int gyOff, LaneLayout gyl, float[] y, LaneLayout yl,
            float[] gl, float[] gb, int gbOff, boolean accumulate) {
        int npad = pl.npad;
        int n = g.n();
        int outW = g.outW();
        int op = pl.o * pl.p;
        int[] map = new int[L];
        for (int i = 0; i < L; i++) {
            map[i] = i * op;
        }
        int full = n / L * L;
        Parallelism.parallelFor(pl.o, 1, (chunk, start, end) -> {
            float[] lanes = Scratch.floats(Scratch.LANE_TOTAL, L);
            for (int oc = start; oc < end; oc++) {
                int row = oc * pl.pPad * npad;
                for (int q = 0; q < pl.p; q++) {
                    int dst = row + q * npad;
                    int oy = q / outW;
                    int ox = q % outW;
                    int yRow = y == null ? 0 : oc * yl.channelStride() + yl.at(oy, ox);
                    if (gyl != null) {
                        int src = oc * gyl.channelStride() + gyl.at(oy, ox);
                        if (y == null) {
                            System.arraycopy(gy, src, gl, dst, full);
                        } else {
                            maskRow(gy, src, y, yRow, gl, dst, full);
                        }
                    } else {
                        for (int n0 = 0; n0 < full; n0 += L) {
                            FloatVector v = FloatVector.fromArray(S, gy, gyOff + n0 * op + oc * pl.p + q, map, 0);
                            if (y != null) {
                                v = FloatVector.zero(S).blend(v, FloatVector.fromArray(S, y, yRow + n0)
                                        .compare(VectorOperators.GT, 0f));
                            }
                            v.intoArray(gl, dst + n0);
                        }
                    }
                    // The last, partly spare block lane by lane; then zeros to the end of the row.
                    for (int i = full; i < n; i++) {
                        float v = gyl != null ? gy[oc * gyl.channelStride() + gyl.at(oy, ox) + i]
                                : gy[gyOff + i * op + oc * pl.p + q];
                        gl[dst + i] = y == null || y[yRow + i] > 0f ? v : 0f;
                    }
                    Arrays.fill(gl, dst + n, dst + npad, 0f);
                }
                Arrays.fill(gl, row + pl.p * npad, row + pl.pPad * npad, 0f);
                if (gb != null) {
                    float s = sum(gl, row, pl.pPad * npad, lanes);
                    gb[gbOff + oc] = accumulate ? gb[gbOff + oc] + s : s;
                }
            }
        });
    }

    /** {@code dst[i] = y[i] > 0 ? src[i] : 0} for {@code len} floats, {@code len} a multiple of the vector length. */
    private static void maskRow(float[] src, int s, float[] y, int yi, float[] dst, int d, int len) {
        FloatVector zero = FloatVector.zero(S);
        for (int i = 0; i < len; i += L) {
            FloatVector v = FloatVector.fromArray(S, src, s + i);
            zero.blend(v, FloatVector.fromArray(S, y, yi + i).compare(VectorOperators.GT, 0f)).intoArray(dst, d + i);
        }
    }

    /**
     * The weight gradient (when {@code gw} is not null) from the input {@code x} and the laid-out output gradient
     * {@code gl}, and the input gradient (when {@code gx} is not null) into {@code gx}, laid out as {@code xl} and
     * overwritten (its border too, which takes the contributions of padding).
     */
    static void backward(Plan pl, float[] x, LaneLayout xl, float[] w, int wOff, float[] gl, float[] gx,
            float[] gw, int gwOff, boolean accumulate) {
        if (gw != null) {
            int tq = pl.tPad / TILE;
            int per = TILE * TILE * L;
            Parallelism.parallelFor(pl.oPad / TILE * tq, 1, (chunk, start, end) -> {
                float[] sums = Scratch.floats(Scratch.LANE_SUMS, per);
                for (int tile = start; tile < end; tile++) {
                    gradWeightTile(pl, x, gl, tile / tq * TILE, tile % tq * TILE, sums);
                    reduceTile(pl, sums, tile / tq * TILE, tile % tq * TILE, gw, gwOff, accumulate);
                }
            });
        }
        if (gx != null) {
            int taps = pl.taps;
            float[] wg = Scratch.floats(Scratch.LANE_WEIGHT, pl.o * pl.tPad);
            for (int oc = 0; oc < pl.o; oc++) {
                System.arraycopy(w, wOff + oc * taps, wg, oc * pl.tPad, taps);
                Arrays.fill(wg, oc * pl.tPad + taps, (oc + 1) * pl.tPad, 0f);
            }
            // Threads split the input channels, each writing only its own planes: no two threads add into one pixel,
            // nor store lanes of one pixel (see forward). A tap quad that straddles two threads' channels is computed
            // by both, each storing its own taps.
            int perChannel = pl.taps / xl.c();
            Parallelism.parallelFor(xl.c(), 1, (chunk, start, end) -> {
                Arrays.fill(gx, start * xl.channelStride(), end * xl.channelStride(), 0f);
                float[] acc = Scratch.floats(Scratch.LANE_SUMS, TILE * TILE * L);
                int tLo = start * perChannel;
                int tHi = end * perChannel;
                for (int q = 0; q < pl.pPad; q += TILE) {
                    for (int t = tLo / TILE * TILE; t < tHi; t += TILE) {
                        for (int n0 = 0; n0 < pl.npad; n0 += L) {
                            gradInputTile(pl, gl, wg, gx, q, t, n0, tLo, tHi, acc);
                        }
                    }
                }
            });
        }
    }

    /** A weight-gradient tile's 16 partial-sum vectors, each summed across its lanes, into {@code gw}. */
    private static void reduceTile(Plan pl, float[] sums, int oc, int t, float[] gw, int gwOff,
            boolean accumulate) {
        int taps = pl.taps;
        for (int i = 0; i < TILE && oc + i < pl.o; i++) {
            int row = gwOff + (oc + i) * taps + t;
            for (int j = 0; j < TILE && t + j < taps; j++) {
                float sum = 0f;
                for (int l = (i * TILE + j) * L, e = l + L; l < e; l++) {
                    sum += sums[l];
                }
                gw[row + j] = accumulate ? gw[row + j] + sum : sum;
            }
        }
    }

    /**
     * Output positions {@code q .. q+3}, channels {@code oc .. oc+3}, lanes {@code n0 ..}: one register tile, started
     * at the bias and stored without the ReLU ({@link #relu} follows). The method stays small on purpose: past C2's
     * node budget the vector calls at its end are not inlined and run their allocating Java code.
     */
    private static void forwardTile(Plan pl, float[] x, float[] wt, float[] bias, float[] y, int ycs, int q, int oc,
            int n0) {
        int[] tapOff = pl.tapOff;
        int oPad = pl.oPad;
        int b0 = pl.posIn[q] + n0;
        int b1 = pl.posIn[q + 1] + n0;
        int b2 = pl.posIn[q + 2] + n0;
        int b3 = pl.posIn[q + 3] + n0;
        FloatVector c0 = FloatVector.broadcast(S, bias[oc + 0]);
        FloatVector c1 = FloatVector.broadcast(S, bias[oc + 1]);
        FloatVector c2 = FloatVector.broadcast(S, bias[oc + 2]);
        FloatVector c3 = FloatVector.broadcast(S, bias[oc + 3]);
        FloatVector a00 = c0;
        FloatVector a01 = c1;
        FloatVector a02 = c2;
        FloatVector a03 = c3;
        FloatVector a10 = c0;
        FloatVector a11 = c1;
        FloatVector a12 = c2;
        FloatVector a13 = c3;
        FloatVector a20 = c0;
        FloatVector a21 = c1;
        FloatVector a22 = c2;
        FloatVector a23 = c3;
        FloatVector a30 = c0;
        FloatVector a31 = c1;
        FloatVector a32 = c2;
        FloatVector a33 = c3;
        for (int t = 0; t < pl.taps; t++) {
            int to = tapOff[t];
            int wo = t * oPad + oc;
            FloatVector v0 = FloatVector.fromArray(S, x, b0 + to);
            FloatVector v1 = FloatVector.fromArray(S, x, b1 + to);
            FloatVector v2 = FloatVector.fromArray(S, x, b2 + to);
            FloatVector v3 = FloatVector.fromArray(S, x, b3 + to);
            FloatVector w0 = FloatVector.broadcast(S, wt[wo + 0]);
            a00 = v0.fma(w0, a00);
            a10 = v1.fma(w0, a10);
            a20 = v2.fma(w0, a20);
            a30 = v3.fma(w0, a30);
            FloatVector w1 = FloatVector.broadcast(S, wt[wo + 1]);
            a01 = v0.fma(w1, a01);
            a11 = v1.fma(w1, a11);
            a21 = v2.fma(w1, a21);
            a31 = v3.fma(w1, a31);
            FloatVector w2 = FloatVector.broadcast(S, wt[wo + 2]);
            a02 = v0.fma(w2, a02);
            a12 = v1.fma(w2, a12);
            a22 = v2.fma(w2, a22);
            a32 = v3.fma(w2, a32);
            FloatVector w3 = FloatVector.broadcast(S, wt[wo + 3]);
            a03 = v0.fma(w3, a03);
            a13 = v1.fma(w3, a13);
            a23 = v2.fma(w3, a23);
            a33 = v3.fma(w3, a33);
        }
        int p0 = pl.posOut[q + 0] + n0;
        int p1 = pl.posOut[q + 1] + n0;
        int p2 = pl.posOut[q + 2] + n0;
        int p3 = pl.posOut[q + 3] + n0;
        if (oc + 0 < pl.o) {
            int yo = (oc + 0) * ycs;
            a00.intoArray(y, yo + p0);
            a10.intoArray(y, yo + p1);
            a20.intoArray(y, yo + p2);
            a30.intoArray(y, yo + p3);
        }
        if (oc + 1 < pl.o) {
            int yo = (oc + 1) * ycs;
            a01.intoArray(y, yo + p0);
            a11.intoArray(y, yo + p1);
            a21.intoArray(y, yo + p2);
            a31.intoArray(y, yo + p3);
        }
        if (oc + 2 < pl.o) {
            int yo = (oc + 2) * ycs;
            a02.intoArray(y, yo + p0);
            a12.intoArray(y, yo + p1);
            a22.intoArray(y, yo + p2);
            a32.intoArray(y, yo + p3);
        }
        if (oc + 3 < pl.o) {
            int yo = (oc + 3) * ycs;
            a03.intoArray(y, yo + p0);
            a13.intoArray(y, yo + p1);
            a23.intoArray(y, yo + p2);
            a33.intoArray(y, yo + p3);
        }
    }

    /** The ReLU over output positions {@code [q0, q1)} of every channel, every lane. */
    private static void relu(Plan pl, float[] y, int ycs, int q0, int q1) {
        for (int oc = 0; oc < pl.o; oc++) {
            for (int q = q0; q < q1; q++) {
                int row = oc * ycs + pl.posOut[q];
                for (int n0 = 0; n0 < pl.npad; n0 += L) {
                    FloatVector.fromArray(S, y, row + n0).max(0f).intoArray(y, row + n0);
                }
            }
        }
    }

    /**
     * Input gradient of output positions {@code q .. q+3} through taps {@code t .. t+3}: the sums over output
     * channels of weight times output gradient, added into the input gradient at each (position, tap) pixel
     * ({@link #addTaps}, through the scratch {@code acc} of 16 vectors).
     */
    private static void gradInputTile(Plan pl, float[] gl, float[] wg, float[] gx, int q, int t, int n0, int tLo,
            int tHi, float[] acc) {
        int tPad = pl.tPad;
        int pStride = pl.pPad * pl.npad;
        int g0 = q * pl.npad + n0;
        FloatVector a00 = FloatVector.zero(S);
        FloatVector a01 = FloatVector.zero(S);
        FloatVector a02 = FloatVector.zero(S);
        FloatVector a03 = FloatVector.zero(S);
        FloatVector a10 = FloatVector.zero(S);
        FloatVector a11 = FloatVector.zero(S);
        FloatVector a12 = FloatVector.zero(S);
        FloatVector a13 = FloatVector.zero(S);
        FloatVector a20 = FloatVector.zero(S);
        FloatVector a21 = FloatVector.zero(S);
        FloatVector a22 = FloatVector.zero(S);
        FloatVector a23 = FloatVector.zero(S);
        FloatVector a30 = FloatVector.zero(S);
        FloatVector a31 = FloatVector.zero(S);
        FloatVector a32 = FloatVector.zero(S);
        FloatVector a33 = FloatVector.zero(S);
        for (int oc = 0; oc < pl.o; oc++) {
            int go = oc * pStride + g0;
            int wo = oc * tPad + t;
            FloatVector v0 = FloatVector.fromArray(S, gl, go + 0 * pl.npad);
            FloatVector v1 = FloatVector.fromArray(S, gl, go + 1 * pl.npad);
            FloatVector v2 = FloatVector.fromArray(S, gl, go + 2 * pl.npad);
            FloatVector v3 = FloatVector.fromArray(S, gl, go + 3 * pl.npad);
            FloatVector w0 = FloatVector.broadcast(S, wg[wo + 0]);
            a00 = v0.fma(w0, a00);
            a10 = v1.fma(w0, a10);
            a20 = v2.fma(w0, a20);
            a30 = v3.fma(w0, a30);
            FloatVector w1 = FloatVector.broadcast(S, wg[wo + 1]);
            a01 = v0.fma(w1, a01);
            a11 = v1.fma(w1, a11);
            a21 = v2.fma(w1, a21);
            a31 = v3.fma(w1, a31);
            FloatVector w2 = FloatVector.broadcast(S, wg[wo + 2]);
            a02 = v0.fma(w2, a02);
            a12 = v1.fma(w2, a12);
            a22 = v2.fma(w2, a22);
            a32 = v3.fma(w2, a32);
            FloatVector w3 = FloatVector.broadcast(S, wg[wo + 3]);
            a03 = v0.fma(w3, a03);
            a13 = v1.fma(w3, a13);
            a23 = v2.fma(w3, a23);
            a33 = v3.fma(w3, a33);
        }
        // Through this thread's scratch to addTaps, not straight into gx: written out here, the four taps' 48 vector
        // loads, adds and stores took this method past C2's inlining budget in some compilations (which ones depends on
        // compilation timing; not pinned down), and their allocating Java fallback ran instead: 2.1-2.4 MB per training
        // step of the tutorial CNN (WarmStepAllocationTest failed in CI, and in 1 of 3 runs of core-tensor's tests in a
        // shuffled order, 2026-12-08). Sixteen stores weigh a third as much; addTaps' loop does the adds.
        a00.intoArray(acc, 0 * L);
        a10.intoArray(acc, 1 * L);
        a20.intoArray(acc, 2 * L);
        a30.intoArray(acc, 3 * L);
        a01.intoArray(acc, 4 * L);
        a11.intoArray(acc, 5 * L);
        a21.intoArray(acc, 6 * L);
        a31.intoArray(acc, 7 * L);
        a02.intoArray(acc, 8 * L);
        a12.intoArray(acc, 9 * L);
        a22.intoArray(acc, 10 * L);
        a32.intoArray(acc, 11 * L);
        a03.intoArray(acc, 12 * L);
        a13.intoArray(acc, 13 * L);
        a23.intoArray(acc, 14 * L);
        a33.intoArray(acc, 15 * L);
        addTaps(pl, acc, gx, q, t, n0, tLo, tHi);
    }

    /**
     * Adds a {@link #gradInputTile}'s sums ({@code acc}: tap-major, four positions per tap) into the input gradient at
     * each (position, tap) pixel, for the taps in {@code [tLo, tHi)}: this thread's channels.
     */
    private static void addTaps(Plan pl, float[] acc, float[] gx, int q, int t, int n0, int tLo, int tHi) {
        for (int k = Math.max(0, tLo - t); k < TILE && t + k < tHi; k++) {
            int to = pl.tapOff[t + k] + n0;
            for (int j = 0; j < TILE; j++) {
                int px = pl.posIn[q + j] + to;
                FloatVector.fromArray(S, gx, px).add(FloatVector.fromArray(S, acc, (k * TILE + j) * L)).intoArray(gx, px);
            }
        }
    }

    /**
     * Weight gradient of channels {@code oc .. oc+3} and taps {@code t .. t+3}: output gradient times input over
     * every position and lane of the batch, in 16 vector sums left in {@code sums} for {@link #reduceTile}. One flat
     * loop over (position, lane block), blocks innermost so that each pixel's lanes stream in order: C2 keeps the
     * sums in registers only in a single loop.
     */
    private static void gradWeightTile(Plan pl, float[] x, float[] gl, int oc, int t, float[] sums) {
        int npad = pl.npad;
        int pStride = pl.pPad * npad;
        int t0 = pl.tapOff[t];
        int t1 = pl.tapOff[t + 1];
        int t2 = pl.tapOff[t + 2];
        int t3 = pl.tapOff[t + 3];
        int o0 = Math.min(oc, pl.o - 1) * pStride;
        int o1 = Math.min(oc + 1, pl.o - 1) * pStride;
        int o2 = Math.min(oc + 2, pl.o - 1) * pStride;
        int o3 = Math.min(oc + 3, pl.o - 1) * pStride;
        FloatVector a00 = FloatVector.zero(S);
        FloatVector a01 = FloatVector.zero(S);
        FloatVector a02 = FloatVector.zero(S);
        FloatVector a03 = FloatVector.zero(S);
        FloatVector a10 = FloatVector.zero(S);
        FloatVector a11 = FloatVector.zero(S);
        FloatVector a12 = FloatVector.zero(S);
        FloatVector a13 = FloatVector.zero(S);
        FloatVector a20 = FloatVector.zero(S);
        FloatVector a21 = FloatVector.zero(S);
        FloatVector a22 = FloatVector.zero(S);
        FloatVector a23 = FloatVector.zero(S);
        FloatVector a30 = FloatVector.zero(S);
        FloatVector a31 = FloatVector.zero(S);
        FloatVector a32 = FloatVector.zero(S);
        FloatVector a33 = FloatVector.zero(S);
        int[] posIn = pl.posIn;
        int steps = pl.pPad * (npad / L);
        int gq = 0;
        int xq = posIn[0];
        int q = 0;
        int n0 = 0;
        for (int k = 0; k < steps; k++) {
            FloatVector g0 = FloatVector.fromArray(S, gl, o0 + gq);
            FloatVector g1 = FloatVector.fromArray(S, gl, o1 + gq);
            FloatVector g2 = FloatVector.fromArray(S, gl, o2 + gq);
            FloatVector g3 = FloatVector.fromArray(S, gl, o3 + gq);
            FloatVector v0 = FloatVector.fromArray(S, x, xq + t0);
            a00 = g0.fma(v0, a00);
            a10 = g1.fma(v0, a10);
            a20 = g2.fma(v0, a20);
            a30 = g3.fma(v0, a30);
            FloatVector v1 = FloatVector.fromArray(S, x, xq + t1);
            a01 = g0.fma(v1, a01);
            a11 = g1.fma(v1, a11);
            a21 = g2.fma(v1, a21);
            a31 = g3.fma(v1, a31);
            FloatVector v2 = FloatVector.fromArray(S, x, xq + t2);
            a02 = g0.fma(v2, a02);
            a12 = g1.fma(v2, a12);
            a22 = g2.fma(v2, a22);
            a32 = g3.fma(v2, a32);
            FloatVector v3 = FloatVector.fromArray(S, x, xq + t3);
            a03 = g0.fma(v3, a03);
            a13 = g1.fma(v3, a13);
            a23 = g2.fma(v3, a23);
            a33 = g3.fma(v3, a33);
            gq += L;
            n0 += L;
            xq += L;
            if (n0 == npad && k + 1 < steps) {
                n0 = 0;
                q++;
                xq = posIn[q];
            }
        }
        a00.intoArray(sums, 0 * L);
        a01.intoArray(sums, 1 * L);
        a02.intoArray(sums, 2 * L);
        a03.intoArray(sums, 3 * L);
        a10.intoArray(sums, 4 * L);
        a11.intoArray(sums, 5 * L);
        a12.intoArray(sums, 6 * L);
        a13.intoArray(sums, 7 * L);
        a20.intoArray(sums, 8 * L);
        a21.intoArray(sums, 9 * L);
        a22.intoArray(sums, 10 * L);
        a23.intoArray(sums, 11 * L);
        a30.intoArray(sums, 12 * L);
        a31.intoArray(sums, 13 * L);
        a32.intoArray(sums, 14 * L);
        a33.intoArray(sums, 15 * L);
    }
}
