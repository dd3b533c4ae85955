package io.sparkgrad.cuda;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.nn.spec.ModelSpec;
import io.sparkgrad.tensor.Generator;
import org.junit.jupiter.api.Test;

/** What {@link GpuSequential} refuses, checked on a device that runs nothing (no GPU, no emulator needed). */
class GpuSequentialTest {

    /** Launches are checked and do nothing, copies do nothing; memory is the fake device's. */
    private static HostGpuContext nullDevice() {
        DeviceCopies none = new DeviceCopies() {
            @Override
            public void copyIn(float[] host, long address) {
            }

            @Override
            public void copyIn(int[] host, long address) {
            }

            @Override
            public void copyOut(long address, float[] host) {
            }
        };
        return new HostGpuContext("null", (kernel, launch, args) -> kernel.checkArgs(args), none, new FakeDeviceMemory(1L << 30),
                () -> { });
    }

    private static IllegalArgumentException refused(String layers, int... shape) {
        var model = ModelSpec.parse(layers).build(new Generator(1), new Generator(1), shape);
        var withoutDevice = assertThrows(IllegalArgumentException.class, () -> GpuSequential.requireSupported(model, shape));
        try (HostGpuContext d = nullDevice()) {
            var e = assertThrows(IllegalArgumentException.class, () -> GpuSequential.of(model, shape, d));
            assertEquals(0, d.allocator().stats().inUseBytes(), "a refused model leaves no device memory in use");
            assertEquals(e.getMessage(), withoutDevice.getMessage(), "the check without a device says the same");
            return e;
        }
    }

    @Test
    void aLayerWithoutAGpuImplementationIsRefusedByName() {
        var e = refused("conv2d(4, 3) batchnorm2d softmax flatten linear(10)", 1, 8, 8);
        assertTrue(e.getMessage().contains("layer 2 (Softmax"), e.getMessage());
        assertTrue(e.getMessage().contains("device=cpu"), e.getMessage());
        e = refused("flatten linear(16) softmax linear(10)", 1, 8, 8);
        assertTrue(e.getMessage().contains("layer 2 (Softmax") && e.getMessage().contains("on input [1, 16]"), e.getMessage());
    }

    @Test
    void geluLeakyReluAndAdaptivePoolingToBinsOfUnequalSizeAreAccepted() {
        assertDoesNotThrow(() -> GpuSequential.requireSupported(ModelSpec.parse("conv2d(4, 3, padding=1) gelu adaptiveavgpool2d(3) "
                + "flatten linear(16) leakyrelu(0.2) linear(10)").build(new Generator(1), new Generator(1), 1, 7, 7), new int[] {1, 7, 7}));
    }

    @Test
    void labelsOutsideTheClassesAndWrongBatchesAreRefused() {
        try (HostGpuContext d = nullDevice(); GpuSequential g = GpuSequential.of(ModelSpec.parse("flatten linear(10)")
                .build(new Generator(1), new Generator(1), 1, 2, 2), new int[] {1, 2, 2}, d)) {
            float[] grad = new float[g.numParameters()];
            var e = assertThrows(IllegalArgumentException.class, () -> g.step(new float[8], new int[] {3, 10}, 0, grad));
            assertEquals("label 10 of sample 1 is outside [0, 10)", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> g.step(new float[7], new int[] {3, 1}, 0, grad));
            assertTrue(e.getMessage().contains("has 8 features, got 7"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> g.step(new float[8], new int[] {3, 1}, 0, new float[3]));
            assertTrue(e.getMessage().contains("has 3 floats but the model has 50"), e.getMessage());
        }
    }
}
