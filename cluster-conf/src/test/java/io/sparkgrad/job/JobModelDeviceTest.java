package io.sparkgrad.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.conf.DeviceType;
import io.sparkgrad.nn.spec.ModelSpec;
import io.sparkgrad.nn.spec.NamedSpec;
import io.sparkgrad.trainer.ReplicaModel;
import io.sparkgrad.trainer.engine.GpuReplica;
import io.sparkgrad.trainer.engine.ModuleReplica;
import org.junit.jupiter.api.Test;

/** {@code device} picks the replica: the CPU engine, or the GPU one with the same weights and layout. */
class JobModelDeviceTest {

    @Test
    void cudaBuildsGpuReplicasWithTheCpuReplicasWeightsAndOpensNoGpuToBeRead() {
        NamedSpec named = NamedSpec.MNIST_CNN;
        JobModel model = JobModel.of(named.spec(), named.inputShapeArray(), named.name(), "model.name");
        try (ReplicaModel cpu = model.factory(9, DeviceType.CPU).create(1);
             ReplicaModel gpu = model.factory(9, DeviceType.CUDA).create(1)) {
            assertInstanceOf(ModuleReplica.class, cpu);
            assertInstanceOf(GpuReplica.class, gpu);
            // The driver's probe replica: read on a machine that may have no GPU, so none is opened for it.
            assertArrayEquals(cpu.getParameters(), gpu.getParameters());
            assertEquals(cpu.parameterLayout().toString(), gpu.parameterLayout().toString());
            assertEquals(-1, ((GpuReplica) gpu).deviceIndex());
        }
    }

    /** A model the GPU cannot train is refused when the driver builds its replica, naming the layer: before any task. */
    @Test
    void aLayerWithoutAGpuImplementationIsRefusedOnTheDriver() {
        JobModel model = JobModel.of(ModelSpec.parse("flatten linear(32) softmax linear(10)"), new int[] {1, 28, 28}, "spec", "model.layers");
        model.factory(1, DeviceType.CPU).create(1).close();
        var e = assertThrows(IllegalArgumentException.class, () -> model.factory(1, DeviceType.CUDA).create(1));
        assertTrue(e.getMessage().contains("layer 2 (Softmax"), e.getMessage());
    }
}
