package io.sparkgrad.cuda;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link GpuSequential} against the CPU with the kernels' CUDA sources run on the CPU ({@link EmulatedDevice}). Needs
 * g++; skipped, and counted as skipped, without it.
 */
class EmulatedSequentialAgainstCpuTest extends SequentialAgainstCpuContract {

    @BeforeAll
    void startEmulator() throws Exception {
        if (PtxResourcesTest.onPath("g++")) {
            device = EmulatedContext.start();
        }
    }

    @AfterAll
    void stopEmulator() {
        if (device != null) {
            device.close();
        }
    }

    @Override
    String noDeviceReason() {
        return "g++ is not on the PATH: the CUDA emulator cannot be built";
    }
}
