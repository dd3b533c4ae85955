package io.sparkgrad.tensor;

/**
 * {@link TensorsOnCudaContract} with the kernels' CUDA sources run on the CPU ({@code EmulatedDevice}), installed as
 * the backend of cuda:0 for this class. Needs g++; skipped, and counted as skipped, without it.
 */
class EmulatedTensorsAgainstCpuTest extends TensorsOnCudaContract {

    @Override
    CudaUnderTest openCuda() throws Exception {
        return CudaUnderTest.emulated();
    }
}
