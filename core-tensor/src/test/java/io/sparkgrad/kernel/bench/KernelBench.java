package io.sparkgrad.kernel.bench;

import io.sparkgrad.kernel.AdaptiveAvgPool2dKernel;
import io.sparkgrad.kernel.Conv2dGeometry;
import io.sparkgrad.kernel.Conv2dKernel;
import io.sparkgrad.kernel.Gemm;
import io.sparkgrad.kernel.Parallelism;
import io.sparkgrad.kernel.ReluKernel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Benchmark of the CPU kernels behind the tutorial CNN: GEMM GFLOP/s for the CNN's shapes on every available
 * backend at 1 and 2 threads; the kernels of one whole training step and one eval pass of the CNN (every conv,
 * ReLU and pooling kernel in the order autograd runs them, without the loss and the optimizer) in samples per
 * second; and the time per sample of each conv layer (forward, and forward + backward) at batch 64 and 256. Each
 * measurement warms up, then repeats and prints the median (and the best, since the machine is shared). One-thread
 * runs are timed in the calling thread's CPU time, which other processes on a busy
 * machine do not inflate; multi-thread runs in wall-clock time.
 *
 * <p>Run from the repository root:
 *
 * <pre>
 * mvn -o -q -pl core-tensor test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.cp
 * java --add-modules jdk.incubator.vector \
 *   -cp core-tensor/target/classes:core-tensor/target/test-classes:$(cat core-tensor/target/bench.cp) \
 *   io.sparkgrad.kernel.bench.KernelBench [gemm|cnn|conv|all]
 * </pre>
 */
public final class KernelBench {

    private static final int[] THREADS = {1, 2};

    private KernelBench() {
    }

    public static void main(String[] args) {
        String what = args.length > 0 ? args[0] : "all";
        System.out.printf(Locale.ROOT, "backend=%s java=%s cores=%d%n", Gemm.backend(), Gemm.javaBackendName(),
                Runtime.getRuntime().availableProcessors());
        if (what.equals("gemm") || what.equals("all")) {
            gemm();
        }
        if (what.equals("cnn") || what.equals("all")) {
            cnn(false);
            cnn(true);
        }
        if (what.equals("conv") || what.equals("all")) {
            // A whole unprinted pass first: later shapes otherwise deoptimise code compiled for earlier ones.
            conv(false);
            conv(true);
        }
    }

    /** One GEMM shape: row-major C[m,n] = op(A) op(B). */
    private record Shape(String label, boolean ta, boolean tb, int m, int n, int k) {
    }

    private static void gemm() {
        List<Shape> shapes = List.of(
                new Shape("256^3", false, false, 256, 256, 256),
                new Shape("64x16x784", false, false, 64, 16, 784),
                new Shape("logistic fwd x.W^T", false, true, 64, 10, 784),
                new Shape("logistic gW gy^T.x", true, false, 10, 784, 64),
                new Shape("conv1 fwd b64", false, false, 16, 12544, 9),
                new Shape("conv2 fwd b64", false, false, 16, 3136, 144),
                new Shape("conv3 fwd b64", false, false, 10, 1024, 144),
                new Shape("conv2 gW b64", false, true, 16, 144, 3136),
                new Shape("conv2 gX b64", true, false, 144, 3136, 16),
                new Shape("conv2 fwd 1 sample", false, false, 16, 49, 144));
        List<String> backends = new ArrayList<>();
        for (String b : new String[] {"java-vector", "openblas", "java-scalar"}) {
            if (Gemm.isAvailable(b)) {
                backends.add(b);
            }
        }
        System.out.println();
        System.out.println("GEMM GFLOP/s, median (best) of repeated runs; C = op(A)[m,k] op(B)[k,n]");
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-22s %-16s", "shape", "m x n x k"));
        for (String b : backends) {
            for (int t : THREADS) {
                head.append(String.format(Locale.ROOT, " %20s", b + "/" + t + "t"));
            }
        }
        System.out.println(head);
        SplittableRandom rnd = new SplittableRandom(1);
        for (Shape s : shapes) {
            float[] a = random(rnd, s.m * s.k);
            float[] b = random(rnd, s.k * s.n);
            float[] c = new float[s.m * s.n];
            int lda = s.ta ? s.m : s.k;
            int ldb = s.tb ? s.k : s.n;
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-22s %-16s", s.label,
                    s.m + "x" + s.n + "x" + s.k));
            double flops = 2.0 * s.m * s.n * s.k;
            for (String be : backends) {
                for (int t : THREADS) {
                    Parallelism.setNumThreads(t);
                    double[] secs = time(() -> Gemm.sgemmWith(be, s.ta, s.tb, s.m, s.n, s.k, 1f, a, 0, lda, b, 0, ldb,
                            0f, c, 0, s.n), flops);
                    line.append(String.format(Locale.ROOT, " %20s",
                            String.format(Locale.ROOT, "%.1f (%.1f)", flops / secs[0] / 1e9, flops / secs[1] / 1e9)));
                }
            }
            System.out.println(line);
        }
    }

    private static void conv(boolean print) {
        java.io.PrintStream log = print ? System.out : new java.io.PrintStream(java.io.OutputStream.nullOutputStream());
        log.println();
        log.println("Tutorial CNN conv layers (Conv2d k3 s2 p1 + ReLU, then adaptive avg pool), microseconds"
                + " per sample, median (best)");
        log.printf(Locale.ROOT, "%-8s %-6s %-8s %18s %18s %18s %18s%n", "batch", "thr", "layer", "forward",
                "fwd+bwd", "fwd GFLOP/s", "fwd+bwd GFLOP/s");
        SplittableRandom rnd = new SplittableRandom(2);
        for (int batch : new int[] {64, 256}) {
            Conv2dGeometry[] layers = {
                Conv2dGeometry.of(batch, 1, 28, 28, 16, 3, 2, 1, 1, 1),
                Conv2dGeometry.of(batch, 16, 14, 14, 16, 3, 2, 1, 1, 1),
                Conv2dGeometry.of(batch, 16, 7, 7, 10, 3, 2, 1, 1, 1)};
            float[][] x = new float[4][];
            float[][] w = new float[3][];
            float[][] b = new float[3][];
            float[][] gx = new float[3][];
            float[][] gw = new float[3][];
            float[][] gb = new float[3][];
            for (int l = 0; l < 3; l++) {
                x[l] = random(rnd, layers[l].inputSize());
                w[l] = random(rnd, layers[l].weightSize());
                b[l] = random(rnd, layers[l].o());
                gx[l] = new float[layers[l].inputSize()];
                gw[l] = new float[layers[l].weightSize()];
                gb[l] = new float[layers[l].o()];
            }
            x[3] = new float[layers[2].outputSize()];
            float[] pooled = new float[batch * 10];
            float[] gPooled = random(rnd, batch * 10);
            float[][] gy = new float[3][];
            for (int l = 0; l < 3; l++) {
                gy[l] = random(rnd, layers[l].outputSize());
            }
            for (int t : THREADS) {
                Parallelism.setNumThreads(t);
                double total = 0;
                double totalFwd = 0;
                for (int l = 0; l < 3; l++) {
                    Conv2dGeometry g = layers[l];
                    int layer = l;
                    float[] out = layer < 2 ? x[layer + 1] : x[3];
                    double fwdFlops = 2.0 * g.forwardMacs();
                    // backward: grad weight always, grad input except for the first layer (its input is data)
                    double bwdFlops = fwdFlops * (layer == 0 ? 1 : 2);
                    Runnable fwd = () -> {
                        Conv2dKernel.forward(g, x[layer], 0, w[layer], 0, b[layer], 0, out, 0);
                        ReluKernel.forward(out, 0, out, 0, g.outputSize());
                    };
                    Runnable both = () -> {
                        fwd.run();
                        ReluKernel.backward(out, 0, gy[layer], 0, gy[layer], 0, g.outputSize(), false);
                        Conv2dKernel.backward(g, x[layer], 0, w[layer], 0, gy[layer], 0, layer == 0 ? null : gx[layer],
                                0, gw[layer], 0, gb[layer], 0, false);
                    };
                    double[] f = time(fwd, fwdFlops);
                    double[] fb = time(both, fwdFlops + bwdFlops);
                    totalFwd += f[0];
                    total += fb[0];
                    log.printf(Locale.ROOT, "%-8d %-6d %-8s %18s %18s %18.1f %18.1f%n", batch, t, "conv" + (l + 1),
                            us(f, batch), us(fb, batch), fwdFlops / f[0] / 1e9, (fwdFlops + bwdFlops) / fb[0] / 1e9);
                }
                double[] pool = time(() -> {
                    AdaptiveAvgPool2dKernel.forward(batch, 10, 4, 4, 1, 1, x[3], 0, pooled, 0);
                    AdaptiveAvgPool2dKernel.backward(batch, 10, 4, 4, 1, 1, gPooled, 0, gy[2], 0, false);
                }, 1);
                log.printf(Locale.ROOT, "%-8d %-6d %-8s %18s%n", batch, t, "pool f+b", us(pool, batch));
                log.printf(Locale.ROOT, "%-8d %-6d %-8s %18.2f %18.2f   (medians summed; %.0f / %.0f samples/s)%n",
                        batch, t, "total", totalFwd / batch * 1e6, total / batch * 1e6, batch / totalFwd,
                        batch / total);
            }
        }
    }

    /**
     * The kernel part of one training step (forward, ReLU, pooling, their backwards; no loss, no optimizer) and of
     * one eval forward, the way the autograd layer sequences them.
     */
    private static void cnn(boolean print) {
        java.io.PrintStream log = print ? System.out : new java.io.PrintStream(java.io.OutputStream.nullOutputStream());
        log.println();
        log.println("Tutorial CNN, all kernels of a step (conv+ReLU x3, adaptive avg pool; forward and backward),"
                + " samples/s, median (best)");
        log.printf(Locale.ROOT, "%-8s %-6s %24s %24s%n", "batch", "thr", "train step kernels", "eval forward kernels");
        SplittableRandom rnd = new SplittableRandom(3);
        for (int batch : new int[] {64, 256}) {
            Conv2dGeometry[] g = {
                Conv2dGeometry.of(batch, 1, 28, 28, 16, 3, 2, 1, 1, 1),
                Conv2dGeometry.of(batch, 16, 14, 14, 16, 3, 2, 1, 1, 1),
                Conv2dGeometry.of(batch, 16, 7, 7, 10, 3, 2, 1, 1, 1)};
            float[][] x = new float[4][];
            float[][] gx = new float[4][];
            float[][] w = new float[3][];
            float[][] b = new float[3][];
            float[][] gw = new float[3][];
            float[][] gb = new float[3][];
            for (int l = 0; l < 3; l++) {
                x[l] = random(rnd, g[l].inputSize());
                gx[l] = new float[g[l].inputSize()];
                w[l] = random(rnd, g[l].weightSize());
                b[l] = random(rnd, g[l].o());
                gw[l] = new float[g[l].weightSize()];
                gb[l] = new float[g[l].o()];
            }
            x[3] = new float[g[2].outputSize()];
            gx[3] = new float[g[2].outputSize()];
            float[] pooled = new float[batch * 10];
            float[] gPooled = random(rnd, batch * 10);
            Runnable forward = () -> {
                for (int l = 0; l < 3; l++) {
                    Conv2dKernel.forward(g[l], x[l], 0, w[l], 0, b[l], 0, x[l + 1], 0);
                    ReluKernel.forward(x[l + 1], 0, x[l + 1], 0, g[l].outputSize());
                }
                AdaptiveAvgPool2dKernel.forward(batch, 10, 4, 4, 1, 1, x[3], 0, pooled, 0);
            };
            Runnable step = () -> {
                forward.run();
                AdaptiveAvgPool2dKernel.backward(batch, 10, 4, 4, 1, 1, gPooled, 0, gx[3], 0, false);
                for (int l = 2; l >= 0; l--) {
                    ReluKernel.backward(x[l + 1], 0, gx[l + 1], 0, gx[l + 1], 0, g[l].outputSize(), false);
                    Conv2dKernel.backward(g[l], x[l], 0, w[l], 0, gx[l + 1], 0, l == 0 ? null : gx[l], 0, gw[l], 0,
                            gb[l], 0, false);
                }
            };
            for (int t : THREADS) {
                Parallelism.setNumThreads(t);
                double[] train = time(step, 1);
                double[] eval = time(forward, 1);
                log.printf(Locale.ROOT, "%-8d %-6d %24s %24s%n", batch, t,
                        String.format(Locale.ROOT, "%.0f (%.0f)", batch / train[0], batch / train[1]),
                        String.format(Locale.ROOT, "%.0f (%.0f)", batch / eval[0], batch / eval[1]));
            }
        }
    }

    private static String us(double[] secs, int batch) {
        return String.format(Locale.ROOT, "%.2f (%.2f)", secs[0] / batch * 1e6, secs[1] / batch * 1e6);
    }

    private static final java.lang.management.ThreadMXBean MX =
            java.lang.management.ManagementFactory.getThreadMXBean();

    /** Thread CPU time when running on one thread (all work stays on the caller), else wall-clock time. */
    private static long now() {
        return Parallelism.numThreads() == 1 ? MX.getCurrentThreadCpuTime() : System.nanoTime();
    }

    /**
     * Warms up for about two seconds, then times repeated runs of about 20 ms each; returns {median, best} seconds
     * per call.
     */
    private static double[] time(Runnable r, double flops) {
        long warmEnd = System.nanoTime() + 2_000_000_000L;
        int calls = 0;
        long t0 = now();
        while (System.nanoTime() < warmEnd || calls < 5) {
            r.run();
            calls++;
        }
        double perCall = (now() - t0) / 1e9 / calls;
        int reps = (int) Math.max(1, Math.min(1_000_000, 0.02 / perCall));
        int rounds = 31;
        double[] samples = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            long s = now();
            for (int j = 0; j < reps; j++) {
                r.run();
            }
            samples[i] = (now() - s) / 1e9 / reps;
        }
        Arrays.sort(samples);
        return new double[] {samples[rounds / 2], samples[0]};
    }

    private static float[] random(SplittableRandom rnd, int size) {
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            a[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return a;
    }
}
