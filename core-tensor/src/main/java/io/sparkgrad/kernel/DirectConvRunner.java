package io.sparkgrad.kernel;

import java.util.Arrays;

/**
 * Drives {@link DirectConv} over the batch: splits the samples over {@link Parallelism}, gives each thread its own
 * planes and partial weight gradient, and reduces the partials in chunk order. Only called when
 * {@link Conv2dKernel#useDirect} holds (which implies the Vector API module is present).
 */
final class DirectConvRunner {

    private DirectConvRunner() {
    }

    static void forward(Conv2dGeometry g, float[] x, int xOff, float[] w, int wOff, float[] bias, int bOff,
            float[] y, int yOff) {
        DirectConv dc = new DirectConv(g);
        float[] wt = dc.weightByTap(w, wOff);
        float[] biasPad = new float[dc.paddedOutputChannels()];
        if (bias != null) {
            System.arraycopy(bias, bOff, biasPad, 0, g.o());
        }
        Parallelism.parallelFor(g.n(), 1, (chunk, s0, s1) -> {
            float[] planes = Scratch.floats(Scratch.PLANES, dc.planeFloats());
            Arrays.fill(planes, 0, dc.planeFloats(), 0f);
            float[] tile = Scratch.floats(Scratch.OUT, DirectConv.tileFloats());
            for (int b0 = s0; b0 < s1; b0 += dc.sub) {
                int sb = Math.min(dc.sub, s1 - b0);
                dc.fillPlanes(x, xOff, b0, sb, planes);
                dc.forward(planes, b0, sb, wt, biasPad, y, yOff, tile);
            }
        });
    }

    static void backward(Conv2dGeometry g, float[] x, int xOff, float[] w, int wOff, float[] gy, int gyOff,
            float[] gx, int gxOff, float[] gw, int gwOff, float[] gb, int gbOff, boolean accumulate) {
        if (g.n() == 0) {
            if (!accumulate) {
                if (gw != null) {
                    Arrays.fill(gw, gwOff, gwOff + g.weightSize(), 0f);
                }
                if (gb != null) {
                    Arrays.fill(gb, gbOff, gbOff + g.o(), 0f);
                }
            }
            return;
        }
        DirectConv dc = new DirectConv(g);
        int p = g.outH() * g.outW();
        int wsize = g.weightSize();
        int chunks = Parallelism.chunks(g.n(), 1);
        float[] gwPart = gw == null ? null : new float[chunks * wsize];
        float[] gbPart = gb == null ? null : new float[chunks * g.o()];
        float[] wc = gx == null ? null : dc.weightByInputChannel(w, wOff);
        int[] hTaps = gx == null ? null
                : DirectConv.readers(g.h(), g.kh(), g.strideH(), g.padH(), g.dilationH(), g.outH());
        int[] wTaps = gx == null ? null
                : DirectConv.readers(g.w(), g.kw(), g.strideW(), g.padW(), g.dilationW(), g.outW());
        Parallelism.parallelFor(g.n(), 1, (chunk, s0, s1) -> {
            float[] tile = Scratch.floats(Scratch.OUT, DirectConv.tileFloats());
            float[] planes = null;
            float[] gyT = null;
            if (gwPart != null) {
                planes = Scratch.floats(Scratch.PLANES, dc.planeFloats());
                Arrays.fill(planes, 0, dc.planeFloats(), 0f);
                gyT = Scratch.floats(Scratch.GRAD_OUT, dc.gradOutputFloats());
            }
            for (int b0 = s0; b0 < s1; b0 += dc.sub) {
                int sb = Math.min(dc.sub, s1 - b0);
                if (gwPart != null) {
                    dc.fillPlanes(x, xOff, b0, sb, planes);
                    dc.transposeGradOutput(gy, gyOff, b0, sb, gyT);
                    dc.gradWeight(planes, sb, gyT, gwPart, chunk * wsize, tile);
                }
                if (gbPart != null) {
                    for (int s = 0; s < sb; s++) {
                        for (int oc = 0; oc < g.o(); oc++) {
                            int row = gyOff + ((b0 + s) * g.o() + oc) * p;
                            float sum = 0f;
                            for (int q = 0; q < p; q++) {
                                sum += gy[row + q];
                            }
                            gbPart[chunk * g.o() + oc] += sum;
                        }
                    }
                }
                if (gx != null) {
                    dc.gradInput(gy, gyOff, b0, sb, wc, gx, gxOff, accumulate, tile, hTaps, wTaps);
                }
            }
        });
        if (gw != null) {
            Conv2dKernel.reduce(gwPart, chunks, wsize, gw, gwOff, accumulate);
        }
        if (gb != null) {
            Conv2dKernel.reduce(gbPart, chunks, g.o(), gb, gbOff, accumulate);
        }
    }
}
