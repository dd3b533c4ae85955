package io.sparkgrad.trainer.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sparkgrad.cuda.HostGpuContext;
import io.sparkgrad.cuda.GpuContext;
import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.trainer.ReplicaModel;
import io.sparkgrad.trainer.StepStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;

/**
 * The GPU replica computes what the CPU replica computes, on the CPU emulation of the CUDA kernels (skipped, and counted
 * as skipped, without g++); it finds its task's GPU, moves with it, and never opens a GPU just to be read.
 */
class GpuReplicaTest {
    private static final SampleBlock BLOCK = ModuleReplicaTest.BLOCK;

    /** Emulated devices opened, by the index asked for. */
    private final List<Integer> opened = new ArrayList<>();

    private GpuContext emulated(int index) {
        opened.add(index);
        try {
            return HostGpuContext.emulated();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private GpuReplica replica(MnistModels spec, long seed, AtomicInteger gpu) {
        ModuleReplica cpu = (ModuleReplica) ModuleReplica.factory(spec, seed).create(1);
        return new GpuReplica(cpu, spec.inputShape(), this::emulated, gpu::get);
    }

    private static void close(String what, float[] want, float[] got) {
        float scale = 1e-6f;
        for (float v : want) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < want.length; i++) {
            assertTrue(Math.abs(want[i] - got[i]) <= 1e-4f * scale, what + "[" + i + "]: cpu " + want[i] + ", gpu " + got[i]);
        }
    }

    @Test
    void theGpuReplicaReportsTheCpuReplicasSumsForTheDriversParameters() {
        assumeTrue(HostGpuContext.emulatorAvailable(), "g++ is not on the PATH: the CUDA emulator cannot be built");
        int[] order = {7, 3, 30, 12, 0, 25, 9, 18};
        try (ReplicaModel cpu = ModuleReplica.factory(MnistModels.MNIST_CNN, 4).create(1);
             GpuReplica gpu = replica(MnistModels.MNIST_CNN, 4, new AtomicInteger())) {
            assertArrayEquals(cpu.getParameters(), gpu.getParameters());
            assertEquals(cpu.parameterLayout().toString(), gpu.parameterLayout().toString());
            for (int round = 0; round < 2; round++) {
                cpu.train(true);
                gpu.train(true);
                float[] want = new float[cpu.numParameters()];
                float[] got = new float[gpu.numParameters()];
                StepStats c = cpu.computeGradient(BLOCK, order, 2, 5, want);
                StepStats g = gpu.computeGradient(BLOCK, order, 2, 5, got);
                assertEquals(c.lossSum(), g.lossSum(), 1e-4 * c.lossSum(), "loss sum, round " + round);
                assertEquals(c.correct(), g.correct(), "correct, round " + round);
                assertEquals(5, g.count());
                close("gradient sum, round " + round, want, got);
                cpu.train(false);
                gpu.train(false);
                StepStats ce = cpu.evaluate(BLOCK, 4, 6);
                StepStats ge = gpu.evaluate(BLOCK, 4, 6);
                assertEquals(ce.lossSum(), ge.lossSum(), 1e-4 * ce.lossSum(), "evaluation loss, round " + round);
                assertEquals(ce.correct(), ge.correct());
                // The driver's next parameters: the replica uploads them before its next computation.
                float[] next = cpu.getParameters();
                for (int i = 0; i < next.length; i++) {
                    next[i] -= 0.1f * want[i] / 5;
                }
                cpu.setParameters(next);
                gpu.setParameters(next);
            }
            assertEquals(List.of(0), opened, "one session, opened at the first computation");
        }
    }

    @Test
    void aReplicaThatIsOnlyReadOpensNoGpu() {
        ModuleReplica cpu = (ModuleReplica) ModuleReplica.factory(MnistModels.LOGISTIC, 1).create(1);
        GpuReplica r = new GpuReplica(cpu, MnistModels.LOGISTIC.inputShape(), i -> {
            throw new AssertionError("opened a GPU");
        }, () -> 0);
        assertEquals(7850, r.numParameters());
        assertEquals(7850, r.getParameters().length);
        r.setParameters(new float[7850]);
        r.train(true);
        assertEquals(-1, r.deviceIndex());
        r.close();
    }

    @Test
    void aReplicaMovesToTheGpuItsTaskWasAssigned() {
        assumeTrue(HostGpuContext.emulatorAvailable(), "g++ is not on the PATH: the CUDA emulator cannot be built");
        AtomicInteger gpu = new AtomicInteger(1);
        try (GpuReplica r = replica(MnistModels.LOGISTIC, 1, gpu)) {
            float[] g = new float[r.numParameters()];
            int[] order = {0, 1, 2};
            float first = (float) r.computeGradient(BLOCK, order, 0, 3, g).lossSum();
            assertEquals(1, r.deviceIndex());
            gpu.set(0);
            assertEquals(first, (float) r.computeGradient(BLOCK, order, 0, 3, g).lossSum(), 1e-5f * first);
            assertEquals(0, r.deviceIndex());
            assertEquals(List.of(1, 0), opened);
        }
    }

    @Test
    void theTaskGpuIsTheFirstAddressSparkAssigned() {
        assertEquals(2, GpuReplica.gpuOf(Map.of("gpu", new ResourceInformation("gpu", new String[] {"2", "3"}))));
        assertEquals(0, GpuReplica.gpuOf(Map.of()));
        var e = assertThrows(IllegalStateException.class,
                () -> GpuReplica.gpuOf(Map.of("gpu", new ResourceInformation("gpu", new String[] {"GPU-8a1f"}))));
        assertTrue(e.getMessage().contains("'GPU-8a1f'"), e.getMessage());
        assertEquals(0, GpuReplica.taskGpu(), "outside a Spark task: GPU 0");
    }

    /**
     * The data-parallel trainer carries only parameters between the driver and the workers, so a batch-norm model is
     * refused for either device with the CPU replica's message (the GPU could run it: a sweep trial's does).
     */
    @Test
    void aBatchNormModelIsRefusedAsTheCpuReplicaRefusesIt() {
        var spec = io.sparkgrad.nn.spec.ModelSpec.parse("conv2d(4, 3) batchnorm2d relu flatten linear(10)");
        int[] shape = {1, 8, 8};
        var cpu = assertThrows(IllegalArgumentException.class, () -> new ModuleReplica(spec.build(new io.sparkgrad.tensor.Generator(1),
                new io.sparkgrad.tensor.Generator(1), shape), new io.sparkgrad.tensor.Generator(1), 1));
        var gpu = assertThrows(IllegalArgumentException.class, () -> GpuReplica.factory(spec, shape, 1).create(1));
        assertEquals(cpu.getMessage(), gpu.getMessage());
        assertTrue(gpu.getMessage().contains("running_mean"), gpu.getMessage());
        assertTrue(opened.isEmpty(), "no GPU opened");
    }
}
