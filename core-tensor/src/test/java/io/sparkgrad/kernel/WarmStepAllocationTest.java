package io.sparkgrad.kernel;

import static org.junit.jupiter.api.Assertions.fail;

import io.sparkgrad.nn.AdaptiveAvgPool2d;
import io.sparkgrad.nn.Conv2d;
import io.sparkgrad.nn.F;
import io.sparkgrad.nn.Flatten;
import io.sparkgrad.nn.Module;
import io.sparkgrad.nn.ReLU;
import io.sparkgrad.nn.Sequential;
import io.sparkgrad.optim.Optimizer;
import io.sparkgrad.optim.SGD;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Once compiled, a training step of the tutorial CNN allocates only autograd's small bookkeeping (tensor and graph
 * objects, about 15 KB at batch 64 on one thread), never per vector: every Vector API call on the kernels' hot paths
 * must be intrinsified by C2. A call C2 cannot intrinsify falls back to the Vector API's Java code, which allocates an array
 * (or a ByteBuffer) per vector and is many times slower, and it does so silently: PlaneRows' {@code reinterpretAsInts}
 * did in 5 of 13 runs on JDK 17 on a loaded machine (0.8 MB per step), depending on compilation timing. This is an
 * allocation count, not a timing: it waits for the JIT as long as it needs (up to a minute) and fails only if the
 * steps never settle below the budget.
 *
 * <p>With two threads the batch is split between them ({@code ThreadSlices}), each slice with its own small graph, and
 * the count covers every thread: about 32 KB a step, where the sum of the slices' parameter gradients was a fresh
 * array every step before (16 KB more).
 */
@ExtendWith(RestoreThreadCount.class)
class WarmStepAllocationTest {
    private static final int BATCH = 64;
    /** About twice what a warm step allocates today (15 KB); the fallback allocates 70 times as much. */
    private static final long BUDGET_BYTES_PER_STEP = 32 * 1024;
    /** Two threads' bookkeeping: a quarter above today's, below what fresh sums of the slices would add. */
    private static final long BUDGET_BYTES_PER_STEP_TWO_THREADS = 40 * 1024;
    private static final int STEPS_PER_WINDOW = 200;

    @Test
    void aWarmTutorialCnnTrainingStepAllocatesOnlyAutogradBookkeeping() {
        assertSettlesWithin(1, BUDGET_BYTES_PER_STEP);
    }

    @Test
    void withTwoThreadsTheSlicedStepAllocatesOnlyTheSlicesBookkeeping() {
        assertSettlesWithin(2, BUDGET_BYTES_PER_STEP_TWO_THREADS);
    }

    private static void assertSettlesWithin(int numThreads, long budget) {
        Parallelism.setNumThreads(numThreads);
        Generator.manualSeed(1);
        Module model = new Sequential(
                new Conv2d(1, 16, 3, 2, 1), new ReLU(),
                new Conv2d(16, 16, 3, 2, 1), new ReLU(),
                new Conv2d(16, 10, 3, 2, 1), new ReLU(),
                new AdaptiveAvgPool2d(1), new Flatten());
        Optimizer opt = SGD.momentum(model.parameters(), 0.01f, 0.9f);
        Tensor images = Tensor.rand(new Generator(3), BATCH, 1, 28, 28);
        int[] labels = new int[BATCH];
        for (int i = 0; i < BATCH; i++) {
            labels[i] = i % 10;
        }
        Tensor target = Tensor.ofInts(labels, BATCH);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long deadline = System.nanoTime() + 60_000_000_000L;
        long perStep = Long.MAX_VALUE;
        int windows = 0;
        while (System.nanoTime() < deadline) {
            // Every thread's: the pool threads that run the other slices exist from the first window on.
            long[] ids = threads.getAllThreadIds();
            long before = total(threads.getThreadAllocatedBytes(ids));
            for (int s = 0; s < STEPS_PER_WINDOW; s++) {
                F.crossEntropy(model.forward(images), target).backward();
                opt.step();
                opt.zeroGrad();
            }
            perStep = (total(threads.getThreadAllocatedBytes(ids)) - before) / STEPS_PER_WINDOW;
            windows++;
            if (windows >= 10 && perStep <= budget) {
                break; // 2,000 steps in: C2 has compiled the kernels, and this window stayed within the budget
            }
        }
        if (perStep > budget) {
            String sites = AllocationSites.of(() -> {
                for (int s = 0; s < STEPS_PER_WINDOW; s++) {
                    F.crossEntropy(model.forward(images), target).backward();
                    opt.step();
                    opt.zeroGrad();
                }
            }, 10, 8);
            fail("a warm training step on " + numThreads + " thread(s) allocated " + perStep + " bytes after "
                    + windows * STEPS_PER_WINDOW + " steps (budget " + budget + "): some Vector API call on the hot path is not "
                    + "intrinsified and runs its allocating Java fallback, or arrays are not recycled. Where "
                    + STEPS_PER_WINDOW + " steps allocated, after " + 9 * STEPS_PER_WINDOW + " more: " + sites);
        }
    }

    /** Bytes allocated by the threads counted (a thread that ended since reads -1). */
    private static long total(long[] perThread) {
        long sum = 0;
        for (long b : perThread) {
            sum += Math.max(0, b);
        }
        return sum;
    }
}
