package io.sparkgrad.kernel.bench;

import io.sparkgrad.kernel.Parallelism;
import io.sparkgrad.nn.Sequential;
import io.sparkgrad.nn.spec.NamedSpec;
import io.sparkgrad.tensor.Tensor;
import java.util.Arrays;
import java.util.Locale;

/**
 * Evaluation cost per sample against the batch size: the forward pass of a named model (default {@code mnist-cnn}) in
 * evaluation mode without autograd over the same 5,120 random samples cut into batches of 32 to 1,024, the sizes
 * alternating within each round so that the machine's drift touches them alike. Prints the median over the rounds
 * in microseconds per sample, from which the evaluators' chunk size ({@code ModuleReplica.EVAL_CHUNK}) was chosen.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp core-tensor/target/classes:core-tensor/target/test-classes \
 *   io.sparkgrad.kernel.bench.EvalBatchBench [model] [threads] [rounds]
 * </pre>
 */
public final class EvalBatchBench {

    private static final int SAMPLES = 5120;
    private static final int[] BATCHES = {32, 64, 128, 256, 512, 1024};

    private EvalBatchBench() {
    }

    public static void main(String[] args) {
        NamedSpec named = NamedSpec.find(args.length > 0 ? args[0] : "mnist-cnn")
                .orElseThrow(() -> new IllegalArgumentException("unknown model; known: " + NamedSpec.names()));
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 9;
        Parallelism.setNumThreads(threads);
        Sequential model = named.spec().build(named.inputShapeArray());
        model.train(false);
        int[] shape = new int[named.inputShapeArray().length + 1];
        shape[0] = SAMPLES;
        System.arraycopy(named.inputShapeArray(), 0, shape, 1, shape.length - 1);
        Tensor samples = Tensor.randn(shape);
        double[][] micros = new double[BATCHES.length][rounds];
        for (int round = -2; round < rounds; round++) { // two rounds of warm-up
            for (int b = 0; b < BATCHES.length; b++) {
                long t0 = System.nanoTime();
                try (var noGrad = Tensor.noGrad()) {
                    for (int from = 0; from < SAMPLES; from += BATCHES[b]) {
                        model.forward(samples.narrow(0, from, BATCHES[b]));
                    }
                }
                if (round >= 0) {
                    micros[b][round] = (System.nanoTime() - t0) / 1e3 / SAMPLES;
                }
            }
        }
        System.out.printf(Locale.ROOT, "%s, %d thread(s), median of %d rounds, us per sample:%n", named.name(), threads, rounds);
        for (int b = 0; b < BATCHES.length; b++) {
            Arrays.sort(micros[b]);
            System.out.printf(Locale.ROOT, "  batch %5d  %6.1f%n", BATCHES[b], micros[b][rounds / 2]);
        }
    }
}
