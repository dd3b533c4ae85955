package io.sparkgrad.kernel.bench;

import io.sparkgrad.kernel.AdaptiveAvgPool2dKernel;
import io.sparkgrad.kernel.Conv2dGeometry;
import io.sparkgrad.kernel.Conv2dKernel;
import io.sparkgrad.kernel.Parallelism;
import io.sparkgrad.kernel.ReluKernel;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Where one training step of the tutorial CNN spends its time, at one thread: each conv layer's forward (with the
 * fused ReLU), input gradient, weight gradient and bias gradient timed on their own and together after the
 * ReLU (as a step runs them; the kernel sum counts this one), the ReLU mask alone, the pooling, and the whole
 * autograd step (loss and SGD momentum included) for the remainder. Timed in the calling thread's CPU time,
 * which other processes on a busy machine do not inflate; prints the median of 21 rounds and GFLOP/s.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp core-tensor/target/classes:core-tensor/target/test-classes \
 *   io.sparkgrad.kernel.bench.LayerProfile [batch]
 * </pre>
 */
public final class LayerProfile {

    private static final java.lang.management.ThreadMXBean MX =
            java.lang.management.ManagementFactory.getThreadMXBean();

    private LayerProfile() {
    }

    public static void main(String[] args) {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        Parallelism.setNumThreads(1);
        SplittableRandom rnd = new SplittableRandom(5);
        Conv2dGeometry[] g = StepWorkloads.tutorialConvs(batch);
        System.out.printf(Locale.ROOT, "batch %d, 1 thread, thread CPU time; us per step (per sample), GFLOP/s%n", batch);
        System.out.printf(Locale.ROOT, "%-8s %-14s %12s %12s %10s%n", "layer", "pass", "us/step", "ns/sample", "GFLOP/s");
        double kernels = 0;
        for (int l = 0; l < 3; l++) {
            StepWorkloads.ConvBuffers c = StepWorkloads.ConvBuffers.random(g[l], rnd);
            Conv2dGeometry geo = c.geo();
            boolean first = l == 0;
            float[] masked = new float[geo.outputSize()];
            double flops = 2.0 * geo.forwardMacs();
            String name = "conv" + (l + 1);
            kernels += row(name, "fwd+relu", batch, flops,
                    () -> Conv2dKernel.forward(geo, c.x(), 0, c.w(), 0, c.b(), 0, c.y(), 0, true));
            row(name, "relu mask", batch, 0,
                    () -> ReluKernel.backward(c.y(), 0, c.gy(), 0, masked, 0, geo.outputSize(), false));
            if (!first) {
                row(name, "bwd input", batch, flops,
                        () -> Conv2dKernel.backwardInput(geo, c.w(), 0, c.gy(), 0, c.gx(), 0, false));
            }
            row(name, "bwd weight", batch, flops,
                    () -> Conv2dKernel.backwardWeight(geo, c.x(), 0, c.gy(), 0, c.gw(), 0, false));
            row(name, "bwd bias", batch, 0, () -> Conv2dKernel.backwardBias(geo, c.gy(), 0, c.gb(), 0, false));
            pair(name, "mask, then bwd", "bwd after relu", batch, () -> {
                ReluKernel.backward(c.y(), 0, c.gy(), 0, masked, 0, geo.outputSize(), false);
                Conv2dKernel.backward(geo, c.x(), 0, c.w(), 0, masked, 0, first ? null : c.gx(), 0, c.gw(), 0, c.gb(), 0,
                        false);
            }, () -> Conv2dKernel.backwardAfterRelu(geo, c.x(), 0, c.w(), 0, c.y(), 0, c.gy(), 0, first ? null : c.gx(), 0,
                    c.gw(), 0, c.gb(), 0, false));
            kernels += row(name, "bwd after relu", batch, flops * (first ? 1 : 2),
                    () -> Conv2dKernel.backwardAfterRelu(geo, c.x(), 0, c.w(), 0, c.y(), 0, c.gy(), 0, first ? null : c.gx(),
                            0, c.gw(), 0, c.gb(), 0, false));
        }
        float[] act = StepWorkloads.random(rnd, g[2].outputSize());
        float[] pooled = new float[batch * 10];
        kernels += row("pool", "fwd+bwd", batch, 0, () -> {
            AdaptiveAvgPool2dKernel.forward(batch, 10, 4, 4, 1, 1, act, 0, pooled, 0);
            AdaptiveAvgPool2dKernel.backward(batch, 10, 4, 4, 1, 1, pooled, 0, act, 0, false);
        });
        System.out.printf(Locale.ROOT, "%-8s %-14s %12.1f %12.1f%n", "kernels", "sum", kernels * 1e6,
                kernels / batch * 1e9);

        StepWorkloads.TrainStep ts = StepWorkloads.TrainStep.tutorial(batch);
        row("autograd", "fwd+loss", batch, 0, () -> ts.loss().item());
        row("autograd", "+backward", batch, 0, () -> {
            ts.loss().backward();
            ts.opt().zeroGrad();
        });
        double step = row("autograd", "train step", batch, 0, ts::train);
        row("autograd", "eval fwd", batch, 0, ts::eval);
        System.out.printf(Locale.ROOT, "%-8s %-14s %12.1f %12.1f%n", "rest", "step - kernels", (step - kernels) * 1e6,
                (step - kernels) / batch * 1e9);
        var mx = (com.sun.management.ThreadMXBean) MX;
        long id = Thread.currentThread().getId();
        long a0 = mx.getThreadAllocatedBytes(id);
        for (int i = 0; i < 100; i++) {
            ts.train();
        }
        long bytes = (mx.getThreadAllocatedBytes(id) - a0) / 100;
        System.out.printf(Locale.ROOT, "alloc bytes per train step %d (%.0f per sample)%n", bytes, (double) bytes / batch);
    }

    /** Prints one row and returns the median seconds per call. */
    private static double row(String layer, String pass, int batch, double flops, Runnable r) {
        double s = time(r);
        System.out.printf(Locale.ROOT, "%-8s %-14s %12.1f %12.1f %10s%n", layer, pass, s * 1e6, s / batch * 1e9,
                flops > 0 ? String.format(Locale.ROOT, "%.1f", flops / s / 1e9) : "");
        return s;
    }

    /**
     * Two ways of doing the same work timed in alternating rounds (so both see the same load); prints each median
     * and the ratio of the first to the second per round pair (median, min, max).
     */
    private static void pair(String layer, String nameA, String nameB, int batch, Runnable a, Runnable b) {
        time(a);
        time(b);
        int rounds = 15;
        double[] ta = new double[rounds];
        double[] tb = new double[rounds];
        double[] ratio = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            ta[i] = timeRound(a);
            tb[i] = timeRound(b);
            ratio[i] = ta[i] / tb[i];
        }
        Arrays.sort(ta);
        Arrays.sort(tb);
        Arrays.sort(ratio);
        System.out.printf(Locale.ROOT, "%-8s %-14s %12.1f   | %-14s %8.1f us | %s/%s = %.2f (%.2f..%.2f)%n", layer,
                nameA, ta[rounds / 2] * 1e6, nameB, tb[rounds / 2] * 1e6, "A", "B", ratio[rounds / 2], ratio[0],
                ratio[rounds - 1]);
    }

    /** About 10 ms of calls; seconds per call. */
    private static double timeRound(Runnable r) {
        long s = MX.getCurrentThreadCpuTime();
        int calls = 0;
        long t;
        do {
            r.run();
            calls++;
            t = MX.getCurrentThreadCpuTime() - s;
        } while (t < 10_000_000L);
        return t / 1e9 / calls;
    }

    /** About a second of warm-up, then 21 rounds of about 10 ms; the median seconds per call. */
    private static double time(Runnable r) {
        long warmEnd = System.nanoTime() + 1_000_000_000L;
        int calls = 0;
        long t0 = MX.getCurrentThreadCpuTime();
        while (System.nanoTime() < warmEnd || calls < 5) {
            r.run();
            calls++;
        }
        double perCall = Math.max(1e-9, (MX.getCurrentThreadCpuTime() - t0) / 1e9 / calls);
        int reps = (int) Math.max(1, Math.min(100_000, 0.01 / perCall));
        double[] samples = new double[21];
        for (int i = 0; i < samples.length; i++) {
            long s = MX.getCurrentThreadCpuTime();
            for (int j = 0; j < reps; j++) {
                r.run();
            }
            samples[i] = (MX.getCurrentThreadCpuTime() - s) / 1e9 / reps;
        }
        Arrays.sort(samples);
        return samples[samples.length / 2];
    }
}
