package io.sparkgrad.tensor;

/**
 * {@link TensorsOnCudaContract} on a real GPU (cuda:0 through its {@code GpuSession}, opened by the first move there).
 * Each test is skipped, and counted as skipped, where {@link Devices} finds no usable GPU. scripts/gpu-check runs it.
 */
class GpuTensorsAgainstCpuTest extends TensorsOnCudaContract {

    @Override
    CudaUnderTest openCuda() throws Exception {
        return CudaUnderTest.realGpu();
    }
}
