package io.sparkgrad.golden;

import io.sparkgrad.tensor.Device;
import io.sparkgrad.tensor.Devices;

/**
 * The golden cases on a real GPU (cuda:0 through its {@code GpuSession}). Each case is skipped, and counted as skipped,
 * where no GPU is usable. scripts/gpu-check runs it.
 */
class GpuGoldenCasesTest extends GoldenCasesOnCudaContract {

    @Override
    Device open() {
        return Devices.cudaAvailable() ? Device.cuda(0) : null;
    }

    @Override
    void close() {
        // The session lives as long as the process, as PyTorch's CUDA state does.
    }

    @Override
    String noDeviceReason() {
        return "no GPU: " + Devices.cudaUnavailableReason();
    }
}
