package io.sparkgrad.cuda;

/**
 * What a GPU model executor needs from a device: kernel launches, host-device copies at the step's edges, a caching
 * allocator, and a way to make the device's context current on the calling thread. {@link GpuSession} is the GPU's;
 * tests supply the CPU emulation of the same kernels.
 */
public interface GpuContext extends KernelLauncher, DeviceCopies, AutoCloseable {

    /** The device's name for messages, e.g. {@code cuda:0}. */
    String name();

    /** The run's device memory. */
    CachingAllocator allocator();

    /** Makes the device current on the calling thread (Spark's task threads are pooled); cheap, call at every step. */
    void makeCurrent();

    /** Ends the run on the device: all its memory goes back. */
    @Override
    void close();
}
