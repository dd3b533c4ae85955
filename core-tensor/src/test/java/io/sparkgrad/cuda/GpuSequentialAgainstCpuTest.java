package io.sparkgrad.cuda;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link GpuSequential} on a real GPU against the CPU. Needs a GPU: each test is skipped, and counted as skipped, where
 * {@link CudaDetection} finds none. scripts/gpu-check runs it.
 */
class GpuSequentialAgainstCpuTest extends SequentialAgainstCpuContract {

    @BeforeAll
    void openGpu() {
        if (CudaDetection.status().available()) {
            device = GpuSession.open(0, Long.MAX_VALUE);
        }
    }

    @AfterAll
    void closeGpu() {
        if (device != null) {
            device.close();
        }
    }

    @Override
    String noDeviceReason() {
        return "no GPU: " + CudaDetection.status().reason();
    }
}
