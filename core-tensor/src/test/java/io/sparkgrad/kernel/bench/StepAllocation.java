package io.sparkgrad.kernel.bench;

import io.sparkgrad.kernel.Parallelism;
import java.util.Locale;

/**
 * Bytes the tutorial CNN's training step allocates per sample once warm, counted on every live thread (the caller
 * and the intra-op workers), for batch sizes and thread counts given on the command line. Deterministic: it depends
 * on the code, not on the machine's load.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp core-tensor/target/classes:core-tensor/target/test-classes \
 *   io.sparkgrad.kernel.bench.StepAllocation [batch,...] [threads,...]
 * </pre>
 */
public final class StepAllocation {

    private StepAllocation() {
    }

    public static void main(String[] args) {
        String[] batches = (args.length > 0 ? args[0] : "64,256").split(",");
        String[] threads = (args.length > 1 ? args[1] : "1,2").split(",");
        for (String t : threads) {
            for (String b : batches) {
                int batch = Integer.parseInt(b);
                Parallelism.setNumThreads(Integer.parseInt(t));
                StepWorkloads.TrainStep step = StepWorkloads.TrainStep.tutorial(batch);
                for (int i = 0; i < 200; i++) {
                    step.train();
                }
                int steps = 100;
                long a0 = AllThreads.allocatedBytes();
                for (int i = 0; i < steps; i++) {
                    step.train();
                }
                long bytes = AllThreads.allocatedBytes() - a0;
                System.out.printf(Locale.ROOT, "cnn train batch %d threads %s: %.1f bytes per sample (%d per step)%n", batch,
                        t, (double) bytes / steps / batch, bytes / steps);
            }
        }
    }
}
