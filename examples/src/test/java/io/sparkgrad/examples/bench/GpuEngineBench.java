package io.sparkgrad.examples.bench;

import io.sparkgrad.cuda.CudaDetection;
import io.sparkgrad.cuda.GpuSequential;
import io.sparkgrad.cuda.GpuSession;
import io.sparkgrad.kernel.Parallelism;
import io.sparkgrad.nn.F;
import io.sparkgrad.nn.FlatParameters;
import io.sparkgrad.nn.Module;
import io.sparkgrad.nn.Reduction;
import io.sparkgrad.nn.spec.NamedSpec;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * {@code bin/bench engine --device cuda}: training throughput of a trainer replica's step on the GPU
 * ({@link GpuSequential}) next to the CPU engine's, for the main job's CNN at batch 64, 256 and 1024 (issue 14's target:
 * an epoch at batch 1024 at least 10x the same machine's CPU epoch). A step is what a single-worker training step does:
 * on the GPU, the minibatch in, forward and backward, the gradient sum, loss and count out, an SGD update on the host
 * and the parameters back in; on the CPU, the same with the engine's autograd. One line per device and batch, then the
 * ratio:
 *
 * <pre>RESULT device=&lt;cuda|cpu&gt; model=mnist-cnn batch=&lt;n&gt; threads=&lt;n&gt; train_samples_per_s=&lt;x&gt;
 * RESULT gpu_vs_cpu model=mnist-cnn batch=&lt;n&gt; speedup=&lt;x&gt;</pre>
 */
final class GpuEngineBench {
    private static final List<Integer> BATCHES = List.of(64, 256, 1024);
    private static final NamedSpec MODEL = NamedSpec.MNIST_CNN;
    private static final float LR = 0.05f;

    private GpuEngineBench() {
    }

    /**
     * The comparison on synthetic MNIST-shaped data (uniform pixels, labels {@code i % 10}): throughput does not depend
     * on the values, and a GPU machine without the data set or Spark (the bundle of {@code scripts/gpu-bundle}) can run
     * it. Arguments: {@code [repeats [samples]]}, default 1 and 10,240.
     */
    public static void main(String[] args) {
        int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        int samples = args.length > 1 ? Integer.parseInt(args[1]) : 10_240;
        Tensor x = Tensor.rand(new Generator(7), samples, 784);
        int[] labels = new int[samples];
        for (int i = 0; i < samples; i++) {
            labels[i] = i % 10;
        }
        System.exit(run(x, Tensor.ofInts(labels, samples), repeats));
    }

    /** Runs the comparison over {@code x [n, 784]} and {@code y [n]}; fails with the reason where CUDA is unusable. */
    static int run(Tensor x, Tensor y, int repeats) {
        CudaDetection.status().requireDevice(0);
        float[] images = x.toFloatArray();
        int[] labels = y.toIntArray();
        int threads = Parallelism.numThreads();
        try (GpuSession gpu = GpuSession.open(0, Long.MAX_VALUE)) {
            System.out.println("# " + gpu.name() + ", CPU engine at " + threads + " threads; model " + MODEL.name());
            for (int batch : BATCHES) {
                double onGpu = measure(repeats, labels.length, batch, new GpuStep(gpu), images, labels);
                double onCpu = measure(repeats, labels.length, batch, new CpuStep(), images, labels);
                System.out.printf("RESULT device=cuda model=%s batch=%d threads=%d train_samples_per_s=%.0f%n", MODEL.name(), batch, 1,
                        onGpu);
                System.out.printf("RESULT device=cpu model=%s batch=%d threads=%d train_samples_per_s=%.0f%n", MODEL.name(), batch,
                        threads, onCpu);
                System.out.printf("RESULT gpu_vs_cpu model=%s batch=%d speedup=%.2f%n", MODEL.name(), batch, onGpu / onCpu);
            }
            System.out.println("# device memory: " + gpu.allocator().stats());
        }
        return 0;
    }

    /** One training step on a minibatch: gradient sum and host SGD update; returns the loss sum. */
    private interface Step {
        double run(float[] x, int[] y);
    }

    private static Module model() {
        return MODEL.spec().build(new Generator(1), new Generator(1), MODEL.inputShapeArray());
    }

    private static final class GpuStep implements Step {
        private final GpuSequential net;
        private final float[] params;
        private final float[] grad;

        GpuStep(GpuSession gpu) {
            net = GpuSequential.of(model(), MODEL.inputShapeArray(), gpu);
            params = net.getParameters();
            grad = new float[params.length];
        }

        @Override
        public double run(float[] x, int[] y) {
            Arrays.fill(grad, 0f);
            double loss = net.step(x, y, 0, grad).lossSum();
            for (int i = 0; i < params.length; i++) {
                params[i] -= LR * grad[i] / y.length;
            }
            net.setParameters(params);
            return loss;
        }
    }

    private static final class CpuStep implements Step {
        private final Module net = model();
        private final FlatParameters flat = FlatParameters.of(net);

        @Override
        public double run(float[] x, int[] y) {
            flat.zeroGrad();
            Tensor loss = F.crossEntropy(net.forward(Tensor.of(x, y.length, 1, 28, 28)), Tensor.ofInts(y, y.length), Reduction.SUM);
            loss.backward();
            float[] p = flat.data();
            float[] g = flat.grad();
            for (int i = 0; i < p.length; i++) {
                p[i] -= LR * g[i] / y.length;
            }
            return loss.item();
        }
    }

    /** The median over {@code repeats} epochs (after a warm-up of a fifth of one) of samples per second. */
    private static double measure(int repeats, int n, int batch, Step step, float[] images, int[] labels) {
        epoch(step, images, labels, batch, Math.max(batch, n / 5));
        double[] rates = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            long t0 = System.nanoTime();
            int done = epoch(step, images, labels, batch, n);
            rates[r] = done / ((System.nanoTime() - t0) / 1e9);
        }
        Arrays.sort(rates);
        return rates[repeats / 2];
    }

    private static int epoch(Step step, float[] images, int[] labels, int batch, int n) {
        int done = 0;
        for (int start = 0; start + batch <= n; start += batch) {
            double loss = step.run(Arrays.copyOfRange(images, start * 784, (start + batch) * 784),
                    Arrays.copyOfRange(labels, start, start + batch));
            if (!Double.isFinite(loss)) {
                throw new IllegalStateException("non-finite loss " + loss + " at sample " + start);
            }
            done += batch;
        }
        return done;
    }
}
