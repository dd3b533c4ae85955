package io.sparkgrad.golden;

import io.sparkgrad.tensor.Device;
import io.sparkgrad.tensor.EmulatedCuda;

/**
 * The golden cases on cuda:0 with the kernels' CUDA sources run on the CPU ({@code EmulatedDevice}). Needs g++;
 * skipped, and counted as skipped, without it.
 */
class EmulatedGoldenCasesTest extends GoldenCasesOnCudaContract {
    private EmulatedCuda cuda;

    @Override
    Device open() throws Exception {
        cuda = EmulatedCuda.installOrNull();
        return cuda == null ? null : cuda.device();
    }

    @Override
    void close() {
        cuda.close();
    }

    @Override
    String noDeviceReason() {
        return "g++ is not on the PATH: the CUDA emulator cannot be built";
    }
}
