package io.sparkgrad.examples.tutorial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sparkgrad.tensor.Device;
import io.sparkgrad.tensor.EmulatedCuda;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Stage 13 on a CUDA device (the CPU emulation of the kernels as cuda:0) reports what it reports on the CPU: the
 * model, the batches and the validation's labels all on the device. A few random samples, not MNIST: the emulator runs
 * a thread per CUDA thread. Needs g++; skipped, and counted as skipped, without it.
 */
class Stage13OnDeviceTest {

    private static TutorialData tiny() {
        Generator g = new Generator(3);
        int[] train = new int[16];
        int[] valid = new int[8];
        for (int i = 0; i < train.length; i++) {
            train[i] = g.nextInt(10);
        }
        for (int i = 0; i < valid.length; i++) {
            valid[i] = g.nextInt(10);
        }
        return new TutorialData(Tensor.rand(g, 16, 784), Tensor.ofInts(train, 16), Tensor.rand(g, 8, 784), Tensor.ofInts(valid, 8));
    }

    private static StageResult run(Device dev, ByteArrayOutputStream printed) {
        return TutorialRunner.run(new Stage13Device(dev), tiny(), 0, new PrintStream(printed, true, StandardCharsets.UTF_8));
    }

    @Test
    void stage13OnTheDeviceReportsWhatItReportsOnTheCpu() throws Exception {
        try (EmulatedCuda cuda = EmulatedCuda.installOrNull()) {
            assumeTrue(cuda != null, "g++ is not on the PATH: the CUDA emulator cannot be built");
            StageResult cpu = run(Device.CPU, new ByteArrayOutputStream());
            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            StageResult gpu = run(cuda.device(), printed);
            String text = printed.toString(StandardCharsets.UTF_8);
            assertTrue(text.contains("device: cuda:0") && text.contains("validation"), text);
            assertEquals(cpu.firstBatchLoss(), gpu.firstBatchLoss(), 1e-4 * cpu.firstBatchLoss(), "first-batch loss");
            assertEquals(cpu.firstBatchAccuracy(), gpu.firstBatchAccuracy(), "first-batch accuracy");
            assertEquals(cpu.validLoss(), gpu.validLoss(), 1e-4 * cpu.validLoss(), "validation loss");
            assertEquals(cpu.validAccuracy(), gpu.validAccuracy(), "validation accuracy");
        }
    }
}
