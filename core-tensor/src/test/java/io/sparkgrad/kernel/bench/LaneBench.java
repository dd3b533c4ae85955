package io.sparkgrad.kernel.bench;

import io.sparkgrad.kernel.Conv2dGeometry;
import io.sparkgrad.kernel.Conv2dKernel;
import io.sparkgrad.kernel.LaneConv;
import io.sparkgrad.kernel.LaneLayout;
import io.sparkgrad.kernel.Parallelism;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The tutorial CNN's three convolutions (each with its ReLU) on the direct kernels ({@link Conv2dKernel}, NCHW) and on
 * the lane kernels ({@link LaneConv}, lanes over samples, input and output already in lanes as inside a
 * {@code Sequential}), timed in alternating rounds in one process: microseconds per sample for the forward and the
 * backward (weight, bias and, past the first layer, input gradients), GFLOP/s, and the ratio direct / lanes per
 * round (median, min..max; above 1 the lanes are faster). The lanes' entry and exit (packing the images, the last
 * layer's NCHW output) are timed on their own. One thread is timed in the thread's CPU time, more in wall time.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector \
 *   -cp core-tensor/target/classes:core-tensor/target/test-classes:$(cat core-tensor/target/bench.cp) \
 *   io.sparkgrad.kernel.bench.LaneBench [batch] [threads] [rounds]
 * </pre>
 */
public final class LaneBench {

    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

    private LaneBench() {
    }

    public static void main(String[] args) {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 15;
        Parallelism.setNumThreads(threads);
        boolean cpu = threads == 1;
        System.out.printf(Locale.ROOT, "batch %d, threads %d, %d rounds, %s; lanes of %d%n", batch, threads, rounds,
                cpu ? "thread CPU time" : "wall time", LaneConv.lanes());
        System.out.printf(Locale.ROOT, "%-16s %10s %10s %10s %10s %22s%n", "layer pass", "direct us", "lanes us",
                "direct GF", "lanes GF", "direct/lanes (min..max)");
        SplittableRandom rnd = new SplittableRandom(4);
        int[][] layers = {{1, 28, 16}, {16, 14, 16}, {16, 7, 10}};
        double[] totals = new double[2];
        for (int l = 0; l < layers.length; l++) {
            Conv2dGeometry g = Conv2dGeometry.of(batch, layers[l][0], layers[l][1], layers[l][1], layers[l][2], 3, 2, 1, 1, 1);
            boolean first = l == 0;
            boolean last = l == layers.length - 1;
            LaneLayout xl = LaneLayout.of(batch, g.c(), g.h(), g.w(), 1, LaneConv.lanes());
            LaneLayout yl = LaneLayout.of(batch, g.o(), g.outH(), g.outW(), last ? 0 : 1, LaneConv.lanes());
            float[] x = StepWorkloads.random(rnd, g.inputSize());
            float[] w = StepWorkloads.random(rnd, g.weightSize());
            float[] b = StepWorkloads.random(rnd, g.o());
            float[] y = new float[g.outputSize()];
            float[] gy = StepWorkloads.random(rnd, g.outputSize());
            float[] gx = first ? null : new float[g.inputSize()];
            float[] gw = new float[g.weightSize()];
            float[] gb = new float[g.o()];
            float[] xa = new float[xl.floats()];
            float[] ya = new float[yl.floats()];
            float[] gya = new float[yl.floats()];
            float[] gxa = first ? null : new float[xl.floats()];
            LaneConv.pack(x, 0, xl, xa);
            LaneConv.pack(gy, 0, yl, gya);
            Conv2dKernel.forward(g, x, 0, w, 0, b, 0, y, 0, true);
            LaneConv.forward(g, xa, xl, w, 0, b, 0, ya, yl, true);
            double fwdFlops = 2.0 * g.forwardMacs() / batch;
            double bwdFlops = fwdFlops * (first ? 1 : 2);
            double[] fwd = compare(rounds, cpu, batch,
                    () -> Conv2dKernel.forward(g, x, 0, w, 0, b, 0, y, 0, true),
                    () -> LaneConv.forward(g, xa, xl, w, 0, b, 0, ya, yl, true));
            print("conv" + (l + 1) + " forward", fwd, fwdFlops);
            double[] bwd = compare(rounds, cpu, batch,
                    () -> Conv2dKernel.backwardAfterRelu(g, x, 0, w, 0, y, 0, gy, 0, gx, 0, gw, 0, gb, 0, false),
                    () -> LaneConv.backward(g, xa, xl, w, 0, gya, 0, yl, ya, yl, gxa, gw, 0, gb, 0, false));
            print("conv" + (l + 1) + " backward", bwd, bwdFlops);
            totals[0] += fwd[0] + bwd[0];
            totals[1] += fwd[1] + bwd[1];
            if (first) {
                double[] pack = compare(rounds, cpu, batch, () -> { }, () -> LaneConv.pack(x, 0, xl, xa));
                totals[1] += pack[1];
                System.out.printf(Locale.ROOT, "%-16s %10s %10.2f%n", "pack images", "", pack[1]);
            }
            if (last) {
                double[] unpack = compare(rounds, cpu, batch, () -> { }, () -> LaneConv.unpack(ya, yl, y, 0));
                totals[1] += unpack[1];
                System.out.printf(Locale.ROOT, "%-16s %10s %10.2f%n", "unpack output", "", unpack[1]);
            }
        }
        System.out.printf(Locale.ROOT, "%-16s %10.2f %10.2f %10s %10s %10.2f%n", "all", totals[0], totals[1], "", "",
                totals[0] / totals[1]);
        System.out.printf(Locale.ROOT, "RESULT bench=lanes batch=%d threads=%d direct_us_per_sample=%.2f "
                + "lanes_us_per_sample=%.2f ratio=%.2f%n", batch, threads, totals[0], totals[1], totals[0] / totals[1]);
    }

    private static void print(String what, double[] r, double flops) {
        System.out.printf(Locale.ROOT, "%-16s %10.2f %10.2f %10.1f %10.1f %10.2f (%.2f..%.2f)%n", what, r[0], r[1],
                flops / r[0] / 1e3, flops / r[1] / 1e3, r[2], r[3], r[4]);
    }

    /**
     * Median microseconds per sample of {@code a} and {@code b} over alternating rounds, and the median, least and
     * greatest ratio a / b of a round pair.
     */
    private static double[] compare(int rounds, boolean cpu, int batch, Runnable a, Runnable b) {
        for (int i = 0; i < 3; i++) {
            round(a, cpu, 200_000_000L);
            round(b, cpu, 200_000_000L);
        }
        double[] ta = new double[rounds];
        double[] tb = new double[rounds];
        double[] ratio = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            ta[i] = round(a, cpu, 20_000_000L);
            tb[i] = round(b, cpu, 20_000_000L);
            ratio[i] = ta[i] / tb[i];
        }
        Arrays.sort(ta);
        Arrays.sort(tb);
        Arrays.sort(ratio);
        return new double[] {ta[rounds / 2] * 1e6 / batch, tb[rounds / 2] * 1e6 / batch, ratio[rounds / 2], ratio[0],
                ratio[rounds - 1]};
    }

    /** Seconds per call, calling {@code r} for about {@code nanos}. */
    private static double round(Runnable r, boolean cpu, long nanos) {
        long start = cpu ? MX.getCurrentThreadCpuTime() : System.nanoTime();
        long calls = 0;
        long now;
        do {
            r.run();
            calls++;
            now = cpu ? MX.getCurrentThreadCpuTime() : System.nanoTime();
        } while (now - start < nanos);
        return (now - start) / 1e9 / calls;
    }
}
