package io.sparkgrad.nn;

import java.util.Arrays;

/**
 * The raw float[] loops behind F's spatial ops: convolution, pooling and batch normalisation, forward and backward.
 * No autograd and no allocation per element; every array comes with the offset of its first element and holds a
 * contiguous NCHW (or {@code [n, c, spatial]}) block. This is the one place to point at faster kernels.
 *
 * <p>Backward kernels that produce an input gradient accumulate ({@code +=}) into a zeroed array, because overlapping
 * windows and stride-1 convolutions send several contributions to one input element.
 */
final class SpatialOps {
    private SpatialOps() {
    }

    // ------------------------------------------------------------------------------------------------ conv2d

    /** {@code out[n, oc, oh, ow] = bias[oc] + sum over the group's channels and the kernel of w * x}. */
    static void conv2dForward(ConvGeometry g, float[] x, int xOff, float[] w, int wOff, float[] bias, int bOff, float[] out,
            int outOff) {
        int cg = g.cPerGroup();
        int og = g.outPerGroup();
        int plane = g.h() * g.w();
        int oPlane = g.oH() * g.oW();
        int kArea = g.kH() * g.kW();
        for (int n = 0; n < g.n(); n++) {
            for (int oc = 0; oc < g.outC(); oc++) {
                int o = outOff + (n * g.outC() + oc) * oPlane;
                Arrays.fill(out, o, o + oPlane, bias == null ? 0f : bias[bOff + oc]);
                int firstIn = (oc / og) * cg;
                for (int icg = 0; icg < cg; icg++) {
                    int xp = xOff + (n * g.c() + firstIn + icg) * plane;
                    int wp = wOff + (oc * cg + icg) * kArea;
                    for (int kh = 0; kh < g.kH(); kh++) {
                        int shiftH = kh * g.dH() - g.pH();
                        int ohLo = firstValid(shiftH, g.sH());
                        int ohHi = endValid(shiftH, g.sH(), g.h(), g.oH());
                        for (int kw = 0; kw < g.kW(); kw++) {
                            float wv = w[wp + kh * g.kW() + kw];
                            int shiftW = kw * g.dW() - g.pW();
                            int owLo = firstValid(shiftW, g.sW());
                            int owHi = endValid(shiftW, g.sW(), g.w(), g.oW());
                            for (int oh = ohLo; oh < ohHi; oh++) {
                                int xRow = xp + (oh * g.sH() + shiftH) * g.w() + shiftW;
                                int oRow = o + oh * g.oW();
                                for (int ow = owLo; ow < owHi; ow++) {
                                    out[oRow + ow] += wv * x[xRow + ow * g.sW()];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** {@code gIn[n, ic, ih, iw] += w * gOut} over every output position that read that input: the transposed conv. */
    static void conv2dBackwardInput(ConvGeometry g, float[] gOut, int gOff, float[] w, int wOff, float[] gIn, int gInOff) {
        int cg = g.cPerGroup();
        int og = g.outPerGroup();
        int plane = g.h() * g.w();
        int oPlane = g.oH() * g.oW();
        int kArea = g.kH() * g.kW();
        for (int n = 0; n < g.n(); n++) {
            for (int oc = 0; oc < g.outC(); oc++) {
                int o = gOff + (n * g.outC() + oc) * oPlane;
                int firstIn = (oc / og) * cg;
                for (int icg = 0; icg < cg; icg++) {
                    int xp = gInOff + (n * g.c() + firstIn + icg) * plane;
                    int wp = wOff + (oc * cg + icg) * kArea;
                    for (int kh = 0; kh < g.kH(); kh++) {
                        int shiftH = kh * g.dH() - g.pH();
                        int ohLo = firstValid(shiftH, g.sH());
                        int ohHi = endValid(shiftH, g.sH(), g.h(), g.oH());
                        for (int kw = 0; kw < g.kW(); kw++) {
                            float wv = w[wp + kh * g.kW() + kw];
                            int shiftW = kw * g.dW() - g.pW();
                            int owLo = firstValid(shiftW, g.sW());
                            int owHi = endValid(shiftW, g.sW(), g.w(), g.oW());
                            for (int oh = ohLo; oh < ohHi; oh++) {
                                int xRow = xp + (oh * g.sH() + shiftH) * g.w() + shiftW;
                                int oRow = o + oh * g.oW();
                                for (int ow = owLo; ow < owHi; ow++) {
                                    gIn[xRow + ow * g.sW()] += wv * gOut[oRow + ow];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** {@code gW[oc, icg, kh, kw] = sum over n, oh, ow of gOut * x} (overwrites gW). */
    static void conv2dBackwardWeight(ConvGeometry g, float[] gOut, int gOff, float[] x, int xOff, float[] gW, int gWOff) {
        int cg = g.cPerGroup();
        int og = g.outPerGroup();
        int plane = g.h() * g.w();
        int oPlane = g.oH() * g.oW();
        int kArea = g.kH() * g.kW();
        for (int oc = 0; oc < g.outC(); oc++) {
            int firstIn = (oc / og) * cg;
            for (int icg = 0; icg < cg; icg++) {
                int wp = gWOff + (oc * cg + icg) * kArea;
                for (int kh = 0; kh < g.kH(); kh++) {
                    int shiftH = kh * g.dH() - g.pH();
                    int ohLo = firstValid(shiftH, g.sH());
                    int ohHi = endValid(shiftH, g.sH(), g.h(), g.oH());
                    for (int kw = 0; kw < g.kW(); kw++) {
                        int shiftW = kw * g.dW() - g.pW();
                        int owLo = firstValid(shiftW, g.sW());
                        int owHi = endValid(shiftW, g.sW(), g.w(), g.oW());
                        // Sums run over n*oH*oW terms: accumulate rows in float, the total in double.
                        double acc = 0;
                        for (int n = 0; n < g.n(); n++) {
                            int xp = xOff + (n * g.c() + firstIn + icg) * plane;
                            int o = gOff + (n * g.outC() + oc) * oPlane;
                            for (int oh = ohLo; oh < ohHi; oh++) {
                                int xRow = xp + (oh * g.sH() + shiftH) * g.w() + shiftW;
                                int oRow = o + oh * g.oW();
                                float row = 0f;
                                for (int ow = owLo; ow < owHi; ow++) {
                                    row += gOut[oRow + ow] * x[xRow + ow * g.sW()];
                                }
                                acc += row;
                            }
                        }
                        gW[wp + kh * g.kW() + kw] = (float) acc;
                    }
                }
            }
        }
    }

    /** {@code gB[oc] = sum over n, oh, ow of gOut} (overwrites gB). */
    static void conv2dBackwardBias(ConvGeometry g, float[] gOut, int gOff, float[] gB, int gBOff) {
        int oPlane = g.oH() * g.oW();
        for (int oc = 0; oc < g.outC(); oc++) {
            double acc = 0;
            for (int n = 0; n < g.n(); n++) {
                int o = gOff + (n * g.outC() + oc) * oPlane;
                for (int i = 0; i < oPlane; i++) {
                    acc += gOut[o + i];
                }
            }
            gB[gBOff + oc] = (float) acc;
        }
    }

    /** The first output index whose input index {@code o*s + shift} is {@code >= 0}. */
    private static int firstValid(int shift, int s) {
        return shift >= 0 ? 0 : Math.floorDiv(-shift + s - 1, s);
    }

    /** One past the last output index (capped at {@code outLen}) whose input index {@code o*s + shift} is {@code < inLen}. */
    private static int endValid(int shift, int s, int inLen, int outLen) {
        int last = inLen - 1 - shift;
        return last < 0 ? 0 : Math.min(outLen, last / s + 1);
    }

    // ------------------------------------------------------------------------------------------------ max_pool2d

    /**
     * Max over each window; padding is -inf, so it never wins. {@code argmax} receives, per output element, the index of
     * the winning element within its input plane (NaN wins, as in PyTorch).
     */
    static void maxPool2dForward(PoolGeometry g, float[] x, int xOff, float[] out, int[] argmax) {
        int plane = g.h() * g.w();
        int oPlane = g.oH() * g.oW();
        for (int p = 0; p < g.planes(); p++) {
            int xp = xOff + p * plane;
            int op = p * oPlane;
            for (int oh = 0; oh < g.oH(); oh++) {
                int h0 = oh * g.sH() - g.pH();
                for (int ow = 0; ow < g.oW(); ow++) {
                    int w0 = ow * g.sW() - g.pW();
                    float best = Float.NEGATIVE_INFINITY;
                    int bestAt = -1;
                    for (int kh = 0; kh < g.kH(); kh++) {
                        int ih = h0 + kh * g.dH();
                        if (ih < 0 || ih >= g.h()) {
                            continue;
                        }
                        for (int kw = 0; kw < g.kW(); kw++) {
                            int iw = w0 + kw * g.dW();
                            if (iw < 0 || iw >= g.w()) {
                                continue;
                            }
                            float v = x[xp + ih * g.w() + iw];
                            if (v > best || Float.isNaN(v) || bestAt < 0) {
                                best = v;
                                bestAt = ih * g.w() + iw;
                            }
                        }
                    }
                    out[op + oh * g.oW() + ow] = best;
                    argmax[op + oh * g.oW() + ow] = bestAt;
                }
            }
        }
    }

    /** Routes each output gradient to the input element that won its window ({@code +=}: windows may overlap). */
    static void maxPool2dBackward(PoolGeometry g, float[] gOut, int gOff, int[] argmax, float[] gIn) {
        int plane = g.h() * g.w();
        int oPlane = g.oH() * g.oW();
        for (int p = 0; p < g.planes(); p++) {
            int ip = p * plane;
            int op = p * oPlane;
            for (int i = 0; i < oPlane; i++) {
                gIn[ip + argmax[op + i]] += gOut[gOff + op + i];
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ avg_pool2d

    /** Window mean with zero padding counted in the divisor (count_include_pad true, so the divisor is {@code kH*kW}). */
    static void avgPool2dForward(PoolGeometry g, float[] x, int xOff, float[] out) {
        int plane = g.h() * g.w();
        int oPlane = g.oH() * g.oW();
        float inv = 1f / (g.kH() * g.kW());
        for (int p = 0; p < g.planes(); p++) {
            int xp = xOff + p * plane;
            for (int oh = 0; oh < g.oH(); oh++) {
                int hLo = Math.max(oh * g.sH() - g.pH(), 0);
                int hHi = Math.min(oh * g.sH() - g.pH() + g.kH(), g.h());
                for (int ow = 0; ow < g.oW(); ow++) {
                    int wLo = Math.max(ow * g.sW() - g.pW(), 0);
                    int wHi = Math.min(ow * g.sW() - g.pW() + g.kW(), g.w());
                    float s = 0f;
                    for (int ih = hLo; ih < hHi; ih++) {
                        int row = xp + ih * g.w();
                        for (int iw = wLo; iw < wHi; iw++) {
                            s += x[row + iw];
                        }
                    }
                    out[p * oPlane + oh * g.oW() + ow] = s * inv;
                }
            }
        }
    }

    /** Spreads each output gradient evenly over its window's real (unpadded) elements, {@code +=}. */
    static void avgPool2dBackward(PoolGeometry g, float[] gOut, int gOff, float[] gIn) {
        int plane = g.h() * g.w();
        int oPlane = g.oH() * g.oW();
        float inv = 1f / (g.kH() * g.kW());
        for (int p = 0; p < g.planes(); p++) {
            int ip = p * plane;
            for (int oh = 0; oh < g.oH(); oh++) {
                int hLo = Math.max(oh * g.sH() - g.pH(), 0);
                int hHi = Math.min(oh * g.sH() - g.pH() + g.kH(), g.h());
                for (int ow = 0; ow < g.oW(); ow++) {
                    int wLo = Math.max(ow * g.sW() - g.pW(), 0);
                    int wHi = Math.min(ow * g.sW() - g.pW() + g.kW(), g.w());
                    float share = gOut[gOff + p * oPlane + oh * g.oW() + ow] * inv;
                    for (int ih = hLo; ih < hHi; ih++) {
                        int row = ip + ih * g.w();
                        for (int iw = wLo; iw < wHi; iw++) {
                            gIn[row + iw] += share;
                        }
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ adaptive_avg_pool2d

    /** Start of the window of output index {@code i}: {@code floor(i*in/out)}. */
    static int adaptiveStart(int i, int in, int out) {
        return (int) ((long) i * in / out);
    }

    /** End (exclusive) of the window of output index {@code i}: {@code ceil((i+1)*in/out)}. */
    static int adaptiveEnd(int i, int in, int out) {
        return (int) (((long) (i + 1) * in + out - 1) / out);
    }

    /** Mean of each adaptive window of each of {@code planes} {@code h x w} planes into {@code oH x oW}. */
    static void adaptiveAvgPool2dForward(int planes, int h, int w, int oH, int oW, float[] x, int xOff, float[] out) {
        for (int p = 0; p < planes; p++) {
            int xp = xOff + p * h * w;
            for (int oh = 0; oh < oH; oh++) {
                int hLo = adaptiveStart(oh, h, oH);
                int hHi = adaptiveEnd(oh, h, oH);
                for (int ow = 0; ow < oW; ow++) {
                    int wLo = adaptiveStart(ow, w, oW);
                    int wHi = adaptiveEnd(ow, w, oW);
                    float s = 0f;
                    for (int ih = hLo; ih < hHi; ih++) {
                        int row = xp + ih * w;
                        for (int iw = wLo; iw < wHi; iw++) {
                            s += x[row + iw];
                        }
                    }
                    out[(p * oH + oh) * oW + ow] = s / ((hHi - hLo) * (wHi - wLo));
                }
            }
        }
    }

    /** Spreads each output gradient evenly over its (possibly overlapping) window, {@code +=}. */
    static void adaptiveAvgPool2dBackward(int planes, int h, int w, int oH, int oW, float[] gOut, int gOff, float[] gIn) {
        for (int p = 0; p < planes; p++) {
            int ip = p * h * w;
            for (int oh = 0; oh < oH; oh++) {
                int hLo = adaptiveStart(oh, h, oH);
                int hHi = adaptiveEnd(oh, h, oH);
                for (int ow = 0; ow < oW; ow++) {
                    int wLo = adaptiveStart(ow, w, oW);
                    int wHi = adaptiveEnd(ow, w, oW);
                    float share = gOut[gOff + (p * oH + oh) * oW + ow] / ((hHi - hLo) * (wHi - wLo));
                    for (int ih = hLo; ih < hHi; ih++) {
                        int row = ip + ih * w;
                        for (int iw = wLo; iw < wHi; iw++) {
                            gIn[row + iw] += share;
                        }
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ batch norm

    /**
     * Per-channel mean and biased variance of {@code x} viewed as {@code [n, c, s]}, in double (two passes, so large
     * means do not cancel the variance away).
     */
    static void batchNormStats(int n, int c, int s, float[] x, int xOff, double[] mean, double[] var) {
        long count = (long) n * s;
        for (int ch = 0; ch < c; ch++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                int base = xOff + (i * c + ch) * s;
                for (int j = 0; j < s; j++) {
                    sum += x[base + j];
                }
            }
            double m = sum / count;
            double sq = 0;
            for (int i = 0; i < n; i++) {
                int base = xOff + (i * c + ch) * s;
                for (int j = 0; j < s; j++) {
                    double d = x[base + j] - m;
                    sq += d * d;
                }
            }
            mean[ch] = m;
            var[ch] = sq / count;
        }
    }

    /**
     * {@code out = (x - mean[c]) * invStd[c] * weight[c] + bias[c]}; a null weight is 1, a null bias 0. The mean is
     * subtracted first and in double (not folded into a float shift), so a mean far larger than the spread does not
     * cancel the deviations away.
     */
    static void batchNormApply(int n, int c, int s, float[] x, int xOff, double[] mean, double[] invStd, float[] weight, int wOff,
            float[] bias, int bOff, float[] out) {
        for (int ch = 0; ch < c; ch++) {
            double m = mean[ch];
            double scale = invStd[ch] * (weight == null ? 1f : weight[wOff + ch]);
            double shift = bias == null ? 0f : bias[bOff + ch];
            for (int i = 0; i < n; i++) {
                int base = (i * c + ch) * s;
                for (int j = 0; j < s; j++) {
                    out[base + j] = (float) ((x[xOff + base + j] - m) * scale + shift);
                }
            }
        }
    }

    /**
     * Per-channel {@code sum(g)} and {@code sum(g * xhat)} with {@code xhat = (x - mean) * invStd}: the bias and weight
     * gradients, and the two terms the input gradient needs in training mode.
     */
    static void batchNormGradSums(int n, int c, int s, float[] g, int gOff, float[] x, int xOff, double[] mean, double[] invStd,
            double[] sumG, double[] sumGXhat) {
        for (int ch = 0; ch < c; ch++) {
            double sg = 0;
            double sgx = 0;
            double m = mean[ch];
            for (int i = 0; i < n; i++) {
                int base = (i * c + ch) * s;
                for (int j = 0; j < s; j++) {
                    double gv = g[gOff + base + j];
                    sg += gv;
                    sgx += gv * (x[xOff + base + j] - m);
                }
            }
            sumG[ch] = sg;
            sumGXhat[ch] = sgx * invStd[ch];
        }
    }

    /**
     * The input gradient. Training (batch statistics):
     * {@code gx = w * invStd / cnt * (cnt*g - sum(g) - xhat * sum(g*xhat))}; evaluation (fixed statistics):
     * {@code gx = g * w * invStd}.
     */
    static void batchNormBackwardInput(int n, int c, int s, boolean training, float[] g, int gOff, float[] x, int xOff,
            double[] mean, double[] invStd, float[] weight, int wOff, double[] sumG, double[] sumGXhat, float[] gx) {
        double count = (double) n * s;
        for (int ch = 0; ch < c; ch++) {
            double w = weight == null ? 1.0 : weight[wOff + ch];
            double k = w * invStd[ch];
            double m = mean[ch];
            double meanG = training ? sumG[ch] / count : 0;
            double proj = training ? sumGXhat[ch] / count * invStd[ch] : 0;
            for (int i = 0; i < n; i++) {
                int base = (i * c + ch) * s;
                for (int j = 0; j < s; j++) {
                    double centred = x[xOff + base + j] - m;
                    gx[base + j] = (float) (k * (g[gOff + base + j] - meanG - centred * proj));
                }
            }
        }
    }
}
