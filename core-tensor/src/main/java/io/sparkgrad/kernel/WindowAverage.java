package io.sparkgrad.kernel;

import java.util.Arrays;

/**
 * The loops of average pooling and adaptive average pooling, forward and backward: each output of an {@code h x w}
 * input plane is the average of a rectangle of it, the rows {@code [rowStart[i], rowEnd[i])} and the columns
 * {@code [colStart[j], colEnd[j])} for output {@code (i, j)}. The kernels differ only in their windows and divisor.
 */
final class WindowAverage {

    /**
     * The windows along each axis, and what each sum is divided by.
     *
     * @param divisor a fixed divisor for every window ({@code kh * kw}, padding counted), or 0 for the window's own area
     */
    record Windows(int[] rowStart, int[] rowEnd, int[] colStart, int[] colEnd, int divisor) {
        int outH() {
            return rowStart.length;
        }

        int outW() {
            return colStart.length;
        }
    }

    private WindowAverage() {
    }

    /** Averages the windows of {@code planes} input planes {@code [h, w]} into output planes {@code [outH, outW]}. */
    static void forward(int planes, int h, int w, Windows win, float[] x, int xOff, float[] y, int yOff, int grain) {
        sweep(planes, h, w, win, x, xOff, y, yOff, true, false, grain);
    }

    /** Spreads each output gradient evenly over its window ({@code accumulate}: add into {@code gx}). */
    static void backward(int planes, int h, int w, Windows win, float[] gy, int gyOff, float[] gx, int gxOff, boolean accumulate,
            int grain) {
        sweep(planes, h, w, win, gx, gxOff, gy, gyOff, false, accumulate, grain);
    }

    /**
     * Visits every window once: forward writes its average into {@code out}; backward adds its share of the output
     * gradient {@code out} into {@code in} (zeroed first unless {@code accumulate}).
     */
    private static void sweep(int planes, int h, int w, Windows win, float[] in, int inOff, float[] out, int outOff, boolean forward,
            boolean accumulate, int grain) {
        int outH = win.outH();
        int outW = win.outW();
        float inv = win.divisor() > 0 ? 1f / win.divisor() : 0f;
        Parallelism.parallelFor(planes, grain, (chunk, p0, p1) -> {
            if (!forward && !accumulate) {
                Arrays.fill(in, inOff + p0 * h * w, inOff + p1 * h * w, 0f);
            }
            for (int pl = p0; pl < p1; pl++) {
                int inBase = inOff + pl * h * w;
                int outBase = outOff + pl * outH * outW;
                for (int oh = 0; oh < outH; oh++) {
                    int h0 = win.rowStart()[oh];
                    int h1 = win.rowEnd()[oh];
                    for (int ow = 0; ow < outW; ow++) {
                        int w0 = win.colStart()[ow];
                        int w1 = win.colEnd()[ow];
                        int o = outBase + oh * outW + ow;
                        if (forward) {
                            float s = 0f;
                            for (int ih = h0; ih < h1; ih++) {
                                for (int iw = w0; iw < w1; iw++) {
                                    s += in[inBase + ih * w + iw];
                                }
                            }
                            out[o] = win.divisor() > 0 ? s * inv : s / ((h1 - h0) * (w1 - w0));
                        } else {
                            float v = win.divisor() > 0 ? out[o] * inv : out[o] / ((h1 - h0) * (w1 - w0));
                            for (int ih = h0; ih < h1; ih++) {
                                for (int iw = w0; iw < w1; iw++) {
                                    in[inBase + ih * w + iw] += v;
                                }
                            }
                        }
                    }
                }
            }
        });
    }
}
