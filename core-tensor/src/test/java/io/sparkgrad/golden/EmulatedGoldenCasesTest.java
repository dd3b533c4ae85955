package io.sparkgrad.golden;

import io.sparkgrad.tensor.CudaUnderTest;

/**
 * The golden cases on cuda:0 with the kernels' CUDA sources run on the CPU ({@code EmulatedDevice}). Needs g++;
 * skipped, and counted as skipped, without it.
 */
class EmulatedGoldenCasesTest extends GoldenCasesOnCudaContract {

    @Override
    CudaUnderTest openCuda() throws Exception {
        return CudaUnderTest.emulated();
    }
}
