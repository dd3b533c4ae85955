package io.sparkgrad.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sparkgrad.nn.F;
import io.sparkgrad.nn.FlatParameters;
import io.sparkgrad.nn.Module;
import io.sparkgrad.nn.Reduction;
import io.sparkgrad.nn.spec.ModelSpec;
import io.sparkgrad.nn.spec.NamedSpec;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link GpuSequential} computes what the trainer's CPU replica computes for the models the trainer uses: the summed
 * cross-entropy, the correct count and the sum of per-sample gradients of a minibatch, within float32
 * summation-order tolerance; several SGD steps stay close; device memory is flat across steps and returned at close.
 * Each subclass supplies a device: a GPU, or the CPU emulation of the kernel sources. Without one, each test is skipped
 * and counted as skipped.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SequentialAgainstCpuContract {
    /** Small batches: the emulator runs a thread per CUDA thread. */
    private static final int BATCH = 6;
    private static final float REL = 1e-4f;

    /** The subclass' device; null where it has none. */
    private GpuContext device;

    /** Opens the subclass' device, or returns null where there is none. */
    abstract GpuContext open() throws Exception;

    abstract String noDeviceReason();

    @BeforeAll
    void openDevice() throws Exception {
        device = open();
    }

    @AfterAll
    void closeDevice() {
        if (device != null) {
            device.close();
        }
    }

    @BeforeEach
    void needDevice() {
        assumeTrue(device != null, this::noDeviceReason);
    }

    private static Module build(NamedSpec named, long seed) {
        return named.spec().build(new Generator(seed), new Generator(seed), named.inputShapeArray());
    }

    private static NamedSpec named(String name) {
        return NamedSpec.byName(name);
    }

    /** A batch of {@code n} MNIST-shaped samples in [0, 1) and labels in [0, 10). */
    private static Batch batch(long seed, int n, int[] sampleShape) {
        Generator gen = new Generator(seed);
        int[] shape = new int[sampleShape.length + 1];
        shape[0] = n;
        System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = gen.nextInt(10);
        }
        return new Batch(Tensor.rand(gen, shape).toFloatArray(), labels, shape);
    }

    private record Batch(float[] x, int[] labels, int[] shape) {
    }

    /** What ModuleReplica computes: loss summed, correct count, and the flat gradient sum. */
    private static GpuSequential.Result cpuStep(Module model, FlatParameters flat, Batch b, float[] gradOut) {
        flat.zeroGrad();
        Tensor y = Tensor.ofInts(b.labels(), b.labels().length);
        Tensor logits = model.forward(Tensor.of(b.x().clone(), b.shape()));
        Tensor loss = F.crossEntropy(logits, y, Reduction.SUM);
        loss.backward();
        System.arraycopy(flat.grad(), 0, gradOut, 0, gradOut.length);
        int[] pred = logits.argmax(1).toIntArray();
        long correct = 0;
        for (int i = 0; i < pred.length; i++) {
            correct += pred[i] == b.labels()[i] ? 1 : 0;
        }
        return new GpuSequential.Result(loss.item(), correct, b.labels().length);
    }

    /** Equal within {@code REL} of the reference's largest magnitude. */
    private static void close(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + " length");
        float scale = 1e-6f;
        for (float v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Math.abs(expected[i] - actual[i]) <= REL * scale, what + "[" + i + "]: cpu " + expected[i] + ", gpu "
                    + actual[i] + " (scale " + scale + ")");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"logistic", "tutorial-cnn", "mnist-cnn"})
    void oneStepGivesTheCpuReplicasLossCountAndGradientSum(String name) {
        NamedSpec spec = named(name);
        Module model = build(spec, 3);
        try (GpuSequential gpu = GpuSequential.of(model, spec.inputShapeArray(), device)) {
            FlatParameters flat = FlatParameters.of(model);
            assertEquals(flat.size(), gpu.numParameters());
            close(name + " parameters", flat.data(), gpu.getParameters());
            Batch b = batch(11, BATCH, spec.inputShapeArray());
            float[] want = new float[flat.size()];
            GpuSequential.Result cpu = cpuStep(model, flat, b, want);
            float[] got = new float[flat.size()];
            java.util.Arrays.fill(got, 0.5f);           // the step ADDS into the buffer
            GpuSequential.Result r = gpu.step(b.x(), b.labels(), 0, got);
            for (int i = 0; i < got.length; i++) {
                got[i] -= 0.5f;
            }
            assertEquals(cpu.lossSum(), r.lossSum(), REL * Math.abs(cpu.lossSum()), name + " loss sum");
            assertEquals(cpu.correct(), r.correct(), name + " correct");
            assertEquals(BATCH, r.count());
            close(name + " gradient sum", want, got);
            GpuSequential.Result eval = gpu.evaluate(b.x(), b.labels());
            assertEquals(cpu.lossSum(), eval.lossSum(), REL * Math.abs(cpu.lossSum()), name + " evaluation loss");
        }
    }

    /**
     * Layers that the GPU gained with activation.cu and adaptive_pool.cu (GELU, LeakyReLU, adaptive pooling to bins of
     * unequal, overlapping sizes): a step gives the CPU replica's loss, count and gradient sum.
     */
    @ParameterizedTest
    @ValueSource(strings = {"conv2d(4, 3, padding=1) gelu adaptiveavgpool2d(3) flatten linear(16) leakyrelu(0.2) linear(10)",
            "conv2d(3, 3) leakyrelu adaptiveavgpool2d(4) flatten gelu linear(10)"})
    void stepsWithGeluLeakyReluAndAdaptivePoolingGiveTheCpuReplicasResults(String layers) {
        int[] shape = {1, 7, 7};
        Module model = ModelSpec.parse(layers).build(new Generator(7), new Generator(7), shape);
        try (GpuSequential gpu = GpuSequential.of(model, shape, device)) {
            FlatParameters flat = FlatParameters.of(model);
            Batch b = batch(12, BATCH, shape);
            float[] want = new float[flat.size()];
            GpuSequential.Result cpu = cpuStep(model, flat, b, want);
            float[] got = new float[flat.size()];
            GpuSequential.Result r = gpu.step(b.x(), b.labels(), 0, got);
            assertEquals(cpu.lossSum(), r.lossSum(), REL * Math.abs(cpu.lossSum()), layers + ": loss sum");
            assertEquals(cpu.correct(), r.correct(), layers + ": correct");
            close(layers + ": gradient sum", want, got);
        }
    }

    /**
     * A CNN with batch norm: each of 2 training steps (from the same parameters) gives the CPU replica's loss sum, correct
     * count and gradient sum; the running statistics on the device follow the CPU module's; written back into a host
     * model they are its state (with the batch count); evaluation mode normalises with them as the CPU does.
     */
    @Test
    void aBatchNormCnnGivesTheCpuReplicasStepsAndRunningStatistics() {
        int[] shape = {1, 10, 10};
        ModelSpec spec = ModelSpec.parse("conv2d(4, 3, stride=2, padding=1) batchnorm2d relu maxpool2d(2) flatten linear(10)");
        Module model = spec.build(new Generator(6), new Generator(6), shape);
        FlatParameters flat = FlatParameters.of(model);
        try (GpuSequential gpu = GpuSequential.of(model, shape, device)) {
            assertEquals(8, gpu.runningStatisticsSize());
            close("initial running statistics", new float[] {0, 0, 0, 0, 1, 1, 1, 1}, gpu.getRunningStatistics());
            gpu.train(true);
            model.train(true);
            for (int step = 0; step < 2; step++) {
                Batch b = batch(200 + step, BATCH, shape);
                float[] want = new float[flat.size()];
                GpuSequential.Result cpu = cpuStep(model, flat, b, want);
                float[] got = new float[flat.size()];
                GpuSequential.Result r = gpu.step(b.x(), b.labels(), step, got);
                assertEquals(cpu.lossSum(), r.lossSum(), REL * Math.abs(cpu.lossSum()), "loss sum at step " + step);
                assertEquals(cpu.correct(), r.correct(), "correct at step " + step);
                close("gradient sum at step " + step, want, got);
                float[] data = flat.data();
                for (int i = 0; i < data.length; i++) {
                    data[i] -= 0.1f * want[i] / BATCH;
                }
                gpu.setParameters(data);
            }
            float[] cpuRunning = runningStatistics(model);
            close("running statistics after 2 steps", cpuRunning, gpu.getRunningStatistics());
            Module host = spec.build(new Generator(7), new Generator(7), shape);
            gpu.copyRunningStatisticsTo(host);
            close("running statistics written back", cpuRunning, runningStatistics(host));
            assertEquals(2f, host.namedBuffers().get("1.num_batches_tracked").item(), "the training passes are counted");

            model.train(false);
            gpu.train(false);
            Batch b = batch(300, BATCH, shape);
            GpuSequential.Result cpu = cpuStep(model, flat, b, new float[flat.size()]);
            GpuSequential.Result eval = gpu.evaluate(b.x(), b.labels());
            assertEquals(cpu.lossSum(), eval.lossSum(), REL * Math.abs(cpu.lossSum()), "evaluation on the running statistics");
            close("evaluation leaves the running statistics", cpuRunning, gpu.getRunningStatistics());

            // The host is the truth after a restore: loading its statistics replaces the device's.
            Module fresh = spec.build(new Generator(6), new Generator(6), shape);
            gpu.loadRunningStatistics(fresh);
            close("running statistics loaded from a host model", runningStatistics(fresh), gpu.getRunningStatistics());
        }
    }

    /** Every batch norm's running mean, then its running variance, in layer order (the executor's layout). */
    private static float[] runningStatistics(Module model) {
        java.util.List<Float> out = new java.util.ArrayList<>();
        for (var e : model.namedBuffers().entrySet()) {
            if (!e.getKey().endsWith("num_batches_tracked")) {
                for (float v : e.getValue().toFloatArray()) {
                    out.add(v);
                }
            }
        }
        float[] a = new float[out.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = out.get(i);
        }
        return a;
    }

    /** Two SGD steps, the update on the host from each side's gradient: the parameters stay together. */
    @Test
    void severalSgdStepsStayWithTheCpu() {
        NamedSpec spec = named("mnist-cnn");
        Module model = build(spec, 5);
        FlatParameters flat = FlatParameters.of(model);
        float lr = 0.05f;
        try (GpuSequential gpu = GpuSequential.of(model, spec.inputShapeArray(), device)) {
            float[] gpuParams = gpu.getParameters();
            for (int step = 0; step < 2; step++) {
                Batch b = batch(100 + step, 4, spec.inputShapeArray());
                float[] g = new float[flat.size()];
                GpuSequential.Result cpu = cpuStep(model, flat, b, g);
                float[] data = flat.data();
                for (int i = 0; i < g.length; i++) {
                    data[i] -= lr * g[i] / 4;
                }
                float[] gg = new float[flat.size()];
                GpuSequential.Result r = gpu.step(b.x(), b.labels(), step, gg);
                for (int i = 0; i < gg.length; i++) {
                    gpuParams[i] -= lr * gg[i] / 4;
                }
                gpu.setParameters(gpuParams);
                assertEquals(cpu.lossSum(), r.lossSum(), 1e-3 * Math.abs(cpu.lossSum()), "loss at step " + step);
            }
            close("parameters after 2 steps", flat.data(), gpu.getParameters());
        }
    }

    /** A step's activations go back to the allocator: in use is flat, no new driver allocation, zero after close. */
    @Test
    void deviceMemoryIsFlatAcrossStepsAndReturnedAtClose() {
        NamedSpec spec = named("logistic");
        CachingAllocator memory = device.allocator();
        long before = memory.stats().inUseBytes();
        GpuSequential gpu = GpuSequential.of(build(spec, 1), spec.inputShapeArray(), device);
        float[] g = new float[gpu.numParameters()];
        Batch b = batch(1, 4, spec.inputShapeArray());
        gpu.step(b.x(), b.labels(), 0, g);
        CachingAllocator.Stats warm = memory.stats();
        for (int step = 1; step < 6; step++) {
            gpu.step(b.x(), b.labels(), step, g);
            CachingAllocator.Stats now = memory.stats();
            assertEquals(warm.inUseBytes(), now.inUseBytes(), "bytes in use after step " + step);
            assertEquals(warm.rawAllocations(), now.rawAllocations(), "driver allocations after step " + step);
        }
        assertTrue(warm.inUseBytes() > before, "the parameters and gradients live on the device");
        gpu.close();
        assertEquals(0, memory.stats().inUseBytes(), "bytes in use after close (every executor of this class is closed)");
    }

    /** Dropout masks depend on the step's seed only: same seed, same gradient; another seed, another; eval is off. */
    @Test
    void dropoutMasksFollowTheStepSeed() {
        int[] shape = {1, 8, 8};
        Module model = ModelSpec.parse("flatten linear(32) relu dropout(0.5) linear(10)").build(new Generator(2),
                new Generator(2), shape);
        try (GpuSequential gpu = GpuSequential.of(model, shape, device)) {
            gpu.train(true);
            Batch b = batch(4, 5, shape);
            float[] a = new float[gpu.numParameters()];
            float[] again = new float[gpu.numParameters()];
            float[] other = new float[gpu.numParameters()];
            double la = gpu.step(b.x(), b.labels(), 42, a).lossSum();
            assertEquals(la, gpu.step(b.x(), b.labels(), 42, again).lossSum());
            close("same seed", a, again);
            assertNotEquals(la, gpu.step(b.x(), b.labels(), 43, other).lossSum(), "another seed draws another mask");
            gpu.train(false);
            model.train(false);
            FlatParameters flat = FlatParameters.of(model);
            float[] cpuGrad = new float[flat.size()];
            GpuSequential.Result cpu = cpuStep(model, flat, b, cpuGrad);
            float[] evalGrad = new float[flat.size()];
            assertEquals(cpu.lossSum(), gpu.step(b.x(), b.labels(), 42, evalGrad).lossSum(), REL * Math.abs(cpu.lossSum()));
            close("dropout off in evaluation mode", cpuGrad, evalGrad);
        }
    }
}
