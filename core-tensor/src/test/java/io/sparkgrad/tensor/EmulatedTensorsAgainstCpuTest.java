package io.sparkgrad.tensor;

import io.sparkgrad.cuda.HostGpuContext;

/**
 * {@link TensorsOnCudaContract} with the kernels' CUDA sources run on the CPU ({@code EmulatedDevice}), installed as
 * the backend of cuda:0 for this class. Needs g++; skipped, and counted as skipped, without it.
 */
class EmulatedTensorsAgainstCpuTest extends TensorsOnCudaContract {
    private HostGpuContext context;

    @Override
    Device open() throws Exception {
        if (!HostGpuContext.emulatorAvailable()) {
            return null;
        }
        context = HostGpuContext.emulated();
        CudaBackends.install(Device.cuda(0), context);
        return Device.cuda(0);
    }

    @Override
    void close() {
        CudaBackends.uninstall(Device.cuda(0));
        context.close();
    }

    @Override
    String noDeviceReason() {
        return "g++ is not on the PATH: the CUDA emulator cannot be built";
    }
}
