package io.sparkgrad.tensor;

import io.sparkgrad.cuda.HostGpuContext;

/**
 * For tests outside this package: installs the CPU emulation of the CUDA kernels as the backend of cuda:0, as
 * {@link EmulatedTensorsAgainstCpuTest} does, and takes it away again.
 */
public final class EmulatedCuda implements AutoCloseable {
    private final HostGpuContext context;

    private EmulatedCuda(HostGpuContext context) {
        this.context = context;
    }

    /** cuda:0 on the emulator, or null where g++ is missing (the emulator cannot be built). */
    public static EmulatedCuda installOrNull() throws Exception {
        if (!HostGpuContext.emulatorAvailable()) {
            return null;
        }
        HostGpuContext context = HostGpuContext.emulated();
        CudaBackends.install(Device.cuda(0), context);
        return new EmulatedCuda(context);
    }

    public Device device() {
        return Device.cuda(0);
    }

    @Override
    public void close() {
        CudaBackends.uninstall(Device.cuda(0));
        context.close();
    }
}
