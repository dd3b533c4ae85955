package io.sparkgrad.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/** {@code cuMemAlloc}/{@code cuMemFree} in the calling thread's current context ({@link GpuSession} makes it current). */
final class JCudaRawMemory implements RawDeviceMemory {

    @Override
    public long allocate(long bytes) {
        CUdeviceptr p = new GpuSession.AddressablePointer();
        int rc = JCudaDriver.cuMemAlloc(p, bytes);
        if (rc == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
            return 0;
        }
        GpuSession.check(rc, "cuMemAlloc(" + bytes + ")");
        return GpuSession.address(p);
    }

    @Override
    public void free(long address) {
        GpuSession.check(JCudaDriver.cuMemFree(GpuSession.pointer(address)), "cuMemFree");
    }
}
