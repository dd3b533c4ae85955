package io.sparkgrad.golden;

import io.sparkgrad.tensor.CudaUnderTest;

/**
 * The golden cases on a real GPU (cuda:0 through its {@code GpuSession}). Each case is skipped, and counted as skipped,
 * where no GPU is usable. scripts/gpu-check runs it.
 */
class GpuGoldenCasesTest extends GoldenCasesOnCudaContract {

    @Override
    CudaUnderTest openCuda() throws Exception {
        return CudaUnderTest.realGpu();
    }
}
