package io.sparkgrad.cuda;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The ops against the CPU backend with the kernels' own CUDA sources run on the CPU ({@link EmulatedDevice}): the host
 * logic and the kernels' index math, tiling, reductions and roundings, checked where there is no GPU. Needs g++;
 * skipped, and counted as skipped, without it.
 */
class EmulatedOpsAgainstCpuTest extends OpsAgainstCpuContract {
    private EmulatedDevice device;
    private CachingAllocator memory;

    @BeforeAll
    void startEmulator() throws Exception {
        if (PtxResourcesTest.onPath("g++")) {
            device = EmulatedDevice.start();
            memory = new CachingAllocator("emulated", device, Long.MAX_VALUE);
            ops = new CudaOps(device, memory);
            copies = device;
        }
    }

    @AfterAll
    void stopEmulator() throws Exception {
        if (device != null) {
            memory.close();
            device.close();
        }
    }

    @Override
    String noDeviceReason() {
        return "g++ is not on the PATH: the CUDA emulator cannot be built";
    }
}
