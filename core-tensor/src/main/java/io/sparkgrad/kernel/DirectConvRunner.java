package io.sparkgrad.kernel;

import java.util.Arrays;

/**
 * Drives {@link DirectConv} over the batch: splits the samples over {@link Parallelism}, gives each thread its own
 * planes and partial weight gradient, and reduces the partials in chunk order. Only called when
 * {@link Conv2dKernel#useDirect} holds (which implies the Vector API module is present).
 */
final class DirectConvRunner {

    /** Plans by layer shape: tap and position tables built once per layer. */
    private static final PlanCache<DirectConv> PLANS = new PlanCache<>(DirectConv::new);

    private DirectConvRunner() {
    }

    private static DirectConv plan(Conv2dGeometry g) {
        return PLANS.get(g);
    }

    static void forward(Conv2dGeometry g, float[] x, int xOff, float[] w, int wOff, float[] bias, int bOff,
            float[] y, int yOff, boolean relu) {
        DirectConv dc = plan(g);
        float[] wt = dc.weightByTap(w, wOff);
        float[] biasPad = Scratch.zeros(Scratch.BIAS_PAD, dc.paddedOutputChannels());
        if (bias != null) {
            System.arraycopy(bias, bOff, biasPad, 0, g.o());
        }
        Parallelism.parallelFor(g.n(), 1, (chunk, s0, s1) -> {
            float[] planes = dc.planes();
            float[] tile = Scratch.floats(Scratch.OUT, DirectConv.tileFloats());
            for (int b0 = s0; b0 < s1; b0 += dc.sub) {
                int sb = Math.min(dc.sub, s1 - b0);
                dc.fillPlanes(x, xOff, b0, sb, planes);
                dc.forward(planes, b0, sb, wt, biasPad, y, yOff, tile, relu);
            }
        });
    }

    /**
     * The gradients of {@code conv2d}, or with {@code relu} given (the forward's output of a fused ReLU) those of
     * {@code relu(conv2d)}: the mask is applied while the output gradient is transposed, and the bias gradient is
     * summed from the transposed gradient, so neither takes a pass of its own.
     */
    static void backward(Conv2dGeometry g, float[] x, int xOff, float[] w, int wOff, float[] relu, int reluOff,
            float[] gy, int gyOff, float[] gx, int gxOff, float[] gw, int gwOff, float[] gb, int gbOff,
            boolean accumulate) {
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
        DirectConv dc = plan(g);
        int wsize = g.weightSize();
        int chunks = Parallelism.chunks(g.n(), 1);
        float[] gwPart = gw == null ? null : Scratch.zeros(Scratch.GRAD_WEIGHT_PARTS, chunks * wsize);
        float[] gbPart = gb == null ? null : Scratch.zeros(Scratch.GRAD_BIAS_PARTS, chunks * g.o());
        float[] wc = gx == null ? null : dc.weightByInputChannel(w, wOff);
        Parallelism.parallelForChunks(g.n(), chunks, (chunk, s0, s1) -> {
            float[] tile = Scratch.floats(Scratch.OUT, DirectConv.tileFloats());
            int most = Math.min(dc.sub, s1 - s0);
            float[] planes = gwPart == null ? null : dc.planes();
            float[] gyT = Scratch.floats(Scratch.GRAD_OUT, dc.gradOutputFloats(most));
            float[] rows = gx == null ? null : Scratch.floats(Scratch.COL, dc.gradRowFloats(most));
            float[] gplane = gx == null ? null : Scratch.floats(Scratch.GRAD_PLANES, dc.gradPlaneFloats());
            for (int b0 = s0; b0 < s1; b0 += dc.sub) {
                int sb = Math.min(dc.sub, s1 - b0);
                dc.transposeGradOutput(gy, gyOff, relu, reluOff, b0, sb, gyT, gbPart, chunk * g.o(), tile);
                if (gwPart != null) {
                    dc.fillPlanes(x, xOff, b0, sb, planes);
                    dc.gradWeight(planes, sb, gyT, gwPart, chunk * wsize, tile);
                }
                if (gx != null) {
                    dc.gradInput(gyT, b0, sb, wc, rows, gplane, gx, gxOff, accumulate);
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
