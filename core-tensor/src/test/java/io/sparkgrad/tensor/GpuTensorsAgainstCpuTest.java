package io.sparkgrad.tensor;

/**
 * {@link TensorsOnCudaContract} on a real GPU (cuda:0 through its {@code GpuSession}, opened by the first move there).
 * Each test is skipped, and counted as skipped, where {@link Devices} finds no usable GPU. scripts/gpu-check runs it.
 */
class GpuTensorsAgainstCpuTest extends TensorsOnCudaContract {

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
