package io.sparkgrad.cuda;

import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * {@link DriverApi} through JCuda's driver API. This is the first class to touch JCuda in a process: it is loaded by
 * name only when someone asks whether CUDA is usable ({@link CudaDetection}), never on a CPU run.
 */
final class JCudaDriverApi implements DriverApi {

    @Override
    public int init() {
        return JCudaDriver.cuInit(0);
    }

    @Override
    public int driverVersion(int[] out) {
        return JCudaDriver.cuDriverGetVersion(out);
    }

    @Override
    public int deviceCount(int[] out) {
        return JCudaDriver.cuDeviceGetCount(out);
    }

    @Override
    public String errorName(int code) {
        return CUresult.stringFor(code);
    }
}
