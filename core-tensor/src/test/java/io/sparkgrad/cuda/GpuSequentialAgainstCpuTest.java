package io.sparkgrad.cuda;

/**
 * {@link GpuSequential} on a real GPU against the CPU. Needs a GPU: each test is skipped, and counted as skipped, where
 * {@link CudaDetection} finds none. scripts/gpu-check runs it.
 */
class GpuSequentialAgainstCpuTest extends SequentialAgainstCpuContract {

    @Override
    GpuContext open() {
        return CudaDetection.status().available() ? GpuSession.open(0, Long.MAX_VALUE) : null;
    }

    @Override
    String noDeviceReason() {
        return "no GPU: " + CudaDetection.status().reason();
    }
}
