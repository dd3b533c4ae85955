package io.sparkgrad.cuda;

import java.nio.file.Files;
import java.nio.file.Path;
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
        if (onPath("g++")) {
            device = EmulatedDevice.start();
            memory = new CachingAllocator("emulated", device, Long.MAX_VALUE);
            ops = new CudaOps(device, memory);
        }
    }

    @AfterAll
    void stopEmulator() throws Exception {
        if (device != null) {
            memory.close();
            device.close();
        }
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    @Override
    String noDeviceReason() {
        return "g++ is not on the PATH: the CUDA emulator cannot be built";
    }

    @Override
    void copyIn(float[] host, long address) {
        device.copyIn(host, address);
    }

    @Override
    void copyIn(int[] host, long address) {
        device.copyIn(host, address);
    }

    @Override
    void copyOut(long address, float[] host) {
        device.copyOut(address, host);
    }
}
