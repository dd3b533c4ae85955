package io.sparkgrad.examples.bench;

import io.sparkgrad.ingest.mnist.Mnist;
import io.sparkgrad.ingest.mnist.MnistSplit;
import io.sparkgrad.ingest.mnist.PixelScaling;
import io.sparkgrad.kernel.Gemm;
import io.sparkgrad.kernel.Parallelism;
import io.sparkgrad.nn.AdaptiveAvgPool2d;
import io.sparkgrad.nn.Conv2d;
import io.sparkgrad.nn.F;
import io.sparkgrad.nn.Flatten;
import io.sparkgrad.nn.Linear;
import io.sparkgrad.nn.Module;
import io.sparkgrad.nn.ReLU;
import io.sparkgrad.nn.Sequential;
import io.sparkgrad.optim.Optimizer;
import io.sparkgrad.optim.SGD;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The engine benchmark of issue 2: one training epoch over 50,000 MNIST-shaped samples (real MNIST when cached) and
 * one evaluation pass, for the tutorial's logistic model (Linear(784,10), SGD lr 0.5, batch 64) and the tutorial's
 * CNN (three Conv2d(k3, s2, p1) + ReLU, adaptive average pool, SGD lr 0.1 momentum 0.9, batch 64 and 256), after a
 * warm-up, repeated, reporting the median. One line per configuration:
 *
 * <pre>RESULT model=&lt;logistic|cnn&gt; batch=&lt;n&gt; threads=&lt;n&gt; train_samples_per_s=&lt;x&gt; eval_samples_per_s=&lt;y&gt; alloc_bytes_per_sample=&lt;z&gt;</pre>
 *
 * {@code eval_samples_per_s} is a pass in eval mode without gradients at batch {@value #EVAL_BATCH} whatever the
 * training batch, as the PyTorch side of {@code compare-engine} ({@code bench.py}) runs its validation pass, so that
 * {@code compare-engine} compares the same workload. {@code alloc_bytes_per_sample} is what the timed training epochs
 * allocate, per training sample, on every live thread: the calling thread (autograd, the optimizer) and the
 * intra-op worker team.
 *
 * Run: {@code bin/bench engine [--threads 1,2] [--repeats 3]}. With {@code --device cuda}: the GPU executor next to the
 * CPU engine on the main job's CNN at batch 64, 256 and 1024 ({@link GpuEngineBench}).
 */
@Command(name = "bench engine", mixinStandardHelpOptions = true, description = "Training and evaluation throughput of the engine.")
public final class EngineBench implements Callable<Integer> {
    private static final int SAMPLES = 50_000;
    /** The batch of the evaluation pass: that of PyTorch's validation pass in the twin benchmark. */
    static final int EVAL_BATCH = 128;

    @Option(names = "--threads", split = ",", description = "intra-op thread counts to measure (default: 1 and all cores)")
    List<Integer> threads;

    @Option(names = "--repeats", defaultValue = "3", description = "timed epochs per configuration; the median is reported")
    int repeats;

    @Option(names = "--samples", defaultValue = "50000", description = "training samples per epoch (default ${DEFAULT-VALUE})")
    int samples;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, or cuda: the GPU replica's step next to the CPU "
            + "engine's (mnist-cnn, batch 64, 256, 1024)")
    String device;

    public static void main(String[] args) {
        System.exit(new CommandLine(new EngineBench()).execute(args));
    }

    private record Config(String model, int batch, Supplier<Module> factory, float lr, float momentum) {
    }

    @Override
    public Integer call() throws Exception {
        if (threads == null) {
            int all = Runtime.getRuntime().availableProcessors();
            threads = all > 1 ? List.of(1, all) : List.of(1);
        }
        if (!device.equals("cpu") && !device.equals("cuda")) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--device: expected cpu or cuda, got '" + device + "'");
        }
        Tensor[] data = load(samples);
        if (device.equals("cuda")) {
            return GpuEngineBench.run(data[0], data[1], repeats);
        }
        System.out.println("# data: " + data[2].item() + " (" + samples + " samples); GEMM backend: " + Gemm.backend());
        List<Config> configs = List.of(
                new Config("logistic", 64, () -> new Linear(784, 10), 0.5f, 0f),
                new Config("cnn", 64, EngineBench::tutorialCnn, 0.1f, 0.9f),
                new Config("cnn", 256, EngineBench::tutorialCnn, 0.1f, 0.9f));
        for (int t : threads) {
            Parallelism.setNumThreads(t);
            for (Config c : configs) {
                measure(c, t, data[0], data[1]);
            }
        }
        return 0;
    }

    /** The tutorial's CNN as in its stage 12. */
    static Module tutorialCnn() {
        return new Sequential(
                new Conv2d(1, 16, 3, 2, 1), new ReLU(),
                new Conv2d(16, 16, 3, 2, 1), new ReLU(),
                new Conv2d(16, 10, 3, 2, 1), new ReLU(),
                new AdaptiveAvgPool2d(1), new Flatten());
    }

    private void measure(Config c, int t, Tensor x, Tensor y) {
        boolean image = c.model().equals("cnn");
        Tensor input = image ? x.view(-1, 1, 28, 28) : x;
        Generator.manualSeed(1);
        Module model = c.factory().get();
        Optimizer opt = c.momentum() > 0 ? SGD.momentum(model.parameters(), c.lr(), c.momentum()) : new SGD(model.parameters(), c.lr());
        // A whole epoch: C2 compiles the lane kernels' large tile methods only after a few hundred steps, and until then
        // their vector code runs interpreted and allocates (a first epoch averages about 1 MB per step, a warm one
        // 20 KB). The start-up cost is the main job benchmark's to measure.
        int warm = input.size(0);
        trainEpoch(model, opt, input, y, c.batch(), warm);
        evalEpoch(model, input, y, EVAL_BATCH, warm);
        double[] train = new double[repeats];
        double[] eval = new double[repeats];
        int n = input.size(0);
        long allocated = 0;
        for (int r = 0; r < repeats; r++) {
            long a0 = allocatedBytes();
            long t0 = System.nanoTime();
            trainEpoch(model, opt, input, y, c.batch(), n);
            long t1 = System.nanoTime();
            allocated += allocatedBytes() - a0;
            evalEpoch(model, input, y, EVAL_BATCH, n);
            long t2 = System.nanoTime();
            train[r] = n / ((t1 - t0) / 1e9);
            eval[r] = (double) (n / EVAL_BATCH * EVAL_BATCH) / ((t2 - t1) / 1e9);
        }
        long trained = (long) repeats * (n / c.batch() * c.batch());
        System.out.printf("RESULT model=%s batch=%d threads=%d train_samples_per_s=%.0f eval_samples_per_s=%.0f"
                + " alloc_bytes_per_sample=%.0f%n", c.model(), c.batch(), t, median(train), median(eval),
                (double) allocated / trained);
    }

    /** Bytes allocated so far by all live threads (the caller and the intra-op team, which outlive an epoch). */
    private static long allocatedBytes() {
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        return Arrays.stream(mx.getThreadAllocatedBytes(mx.getAllThreadIds())).map(b -> Math.max(b, 0)).sum();
    }

    private static void trainEpoch(Module model, Optimizer opt, Tensor x, Tensor y, int batch, int n) {
        model.train();
        for (int start = 0; start + batch <= n; start += batch) {
            Tensor loss = F.crossEntropy(model.forward(x.narrow(0, start, batch)), y.narrow(0, start, batch));
            if (!Float.isFinite(loss.item())) {
                throw new IllegalStateException("non-finite loss " + loss.item() + " at sample " + start);
            }
            loss.backward();
            opt.step();
            opt.zeroGrad();
        }
    }

    private static void evalEpoch(Module model, Tensor x, Tensor y, int batch, int n) {
        model.eval();
        try (var noGrad = Tensor.noGrad()) {
            for (int start = 0; start + batch <= n; start += batch) {
                model.forward(x.narrow(0, start, batch)).argmax(1);
            }
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    /** [images [n, 784], labels [n], a scalar 1 for real MNIST or 0 for synthetic data]. */
    private static Tensor[] load(int n) {
        try {
            MnistSplit train = Mnist.fromCache().load(false, 0, n, PixelScaling.DIV_256);
            return new Tensor[] {Tensor.of(train.images(), n, 784), Tensor.ofInts(train.labels(), n), Tensor.scalar(1)};
        } catch (Exception e) {
            System.out.println("# MNIST not cached (" + e.getMessage().lines().findFirst().orElse("") + "): using synthetic data");
            Generator g = new Generator(3);
            Tensor x = Tensor.rand(g, n, 784);
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = g.nextInt(10);
            }
            return new Tensor[] {x, Tensor.ofInts(labels, n), Tensor.scalar(0)};
        }
    }
}
