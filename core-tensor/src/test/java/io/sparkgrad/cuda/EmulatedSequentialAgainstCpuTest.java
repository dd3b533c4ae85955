package io.sparkgrad.cuda;

/**
 * {@link GpuSequential} against the CPU with the kernels' CUDA sources run on the CPU ({@link EmulatedDevice}). Needs
 * g++; skipped, and counted as skipped, without it.
 */
class EmulatedSequentialAgainstCpuTest extends SequentialAgainstCpuContract {

    @Override
    GpuContext open() throws Exception {
        return HostGpuContext.emulatorAvailable() ? HostGpuContext.emulated() : null;
    }

    @Override
    String noDeviceReason() {
        return "g++ is not on the PATH: the CUDA emulator cannot be built";
    }
}
