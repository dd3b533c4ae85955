package io.sparkgrad.tensor;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The cuda:0 that a device contract runs on: the CPU emulation of the CUDA kernels or the real GPU. Either may be
 * absent (no g++ to build the emulator, no usable GPU); then every test of the contract is skipped, and counted as
 * skipped, with the reason.
 */
public final class CudaUnderTest implements AutoCloseable {
    private final Device device;
    private final String absentReason;
    private final AutoCloseable release;

    private CudaUnderTest(Device device, String absentReason, AutoCloseable release) {
        this.device = device;
        this.absentReason = absentReason;
        this.release = release;
    }

    /** cuda:0 on the emulator ({@link EmulatedCuda}), installed until {@link #close}. */
    public static CudaUnderTest emulated() throws Exception {
        EmulatedCuda cuda = EmulatedCuda.installOrNull();
        return cuda == null ? new CudaUnderTest(null, "g++ is not on the PATH: the CUDA emulator cannot be built", () -> { })
                : new CudaUnderTest(cuda.device(), null, cuda);
    }

    /** cuda:0 on the real GPU, through its {@code GpuSession} (opened by the first move there). */
    public static CudaUnderTest realGpu() {
        // Nothing to close: the session lives as long as the process, as PyTorch's CUDA state does.
        return Devices.cudaAvailable() ? new CudaUnderTest(Device.cuda(0), null, () -> { })
                : new CudaUnderTest(null, "no GPU: " + Devices.cudaUnavailableReason(), () -> { });
    }

    /** The device, or null where it is absent. */
    public Device device() {
        return device;
    }

    /** Skips the calling test, with the reason, where the device is absent. */
    public void assumePresent() {
        assumeTrue(device != null, absentReason);
    }

    @Override
    public void close() throws Exception {
        release.close();
    }
}
