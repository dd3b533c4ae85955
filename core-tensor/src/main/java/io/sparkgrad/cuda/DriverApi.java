package io.sparkgrad.cuda;

/**
 * The few CUDA driver calls that detection needs, behind an interface so that the classification of every failure
 * (no driver, old driver, no device) is tested without a GPU. The real one is {@link JCudaDriverApi}; it is created by
 * name, so that nothing outside a probe links a JCuda class. Each method returns a {@code CUresult} code.
 */
interface DriverApi {

    /** {@code cuInit(0)}. May throw {@link LinkageError} when JCuda's native library or {@code libcuda.so.1} cannot be loaded. */
    int init();

    /** {@code cuDriverGetVersion}: writes e.g. 12060 for CUDA 12.6 into {@code out[0]}. */
    int driverVersion(int[] out);

    /** {@code cuDeviceGetCount}. */
    int deviceCount(int[] out);

    /** The name of a {@code CUresult} code, e.g. {@code CUDA_ERROR_NO_DEVICE}. */
    String errorName(int code);
}
