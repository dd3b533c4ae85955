package io.sparkgrad.cuda;

/**
 * A {@link GpuContext} made of host-side parts for tests: the CPU emulation of the CUDA kernels ({@link #emulated()}), or
 * a device that runs nothing, with its own caching allocator. Public for other modules' tests (core-tensor's test-jar):
 * the trainer's GPU replica runs on the emulator where there is no GPU.
 */
public final class HostGpuContext implements GpuContext {
    private final String name;
    private final KernelLauncher launcher;
    private final DeviceCopies copies;
    private final CachingAllocator allocator;
    private final AutoCloseable stop;

    HostGpuContext(String name, KernelLauncher launcher, DeviceCopies copies, RawDeviceMemory memory, AutoCloseable stop) {
        this(name, launcher, copies, memory, stop, Long.MAX_VALUE);
    }

    private HostGpuContext(String name, KernelLauncher launcher, DeviceCopies copies, RawDeviceMemory memory, AutoCloseable stop,
                           long limitBytes) {
        this.name = name;
        this.launcher = launcher;
        this.copies = copies;
        this.allocator = new CachingAllocator(name, memory, limitBytes);
        this.stop = stop;
    }

    /** Whether the emulator can be built here: g++ is on the PATH. */
    public static boolean emulatorAvailable() {
        return PtxResourcesTest.onPath("g++");
    }

    /** Builds the emulator (when stale) and starts it; needs g++. Closing the context stops it. */
    public static HostGpuContext emulated() throws Exception {
        return emulated(Long.MAX_VALUE);
    }

    /** As {@link #emulated()}, with the run's device memory capped at {@code limitBytes} (a share of a GPU). */
    public static HostGpuContext emulated(long limitBytes) throws Exception {
        EmulatedDevice device = EmulatedDevice.start();
        return new HostGpuContext("emulated", device, device, device, device, limitBytes);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public CachingAllocator allocator() {
        return allocator;
    }

    /** One process, no contexts: nothing to make current. */
    @Override
    public void makeCurrent() {
    }

    @Override
    public void launch(CudaKernel kernel, Launch launch, Object... args) {
        launcher.launch(kernel, launch, args);
    }

    @Override
    public void copyIn(float[] host, long address) {
        copies.copyIn(host, address);
    }

    @Override
    public void copyIn(int[] host, long address) {
        copies.copyIn(host, address);
    }

    @Override
    public void copyOut(long address, float[] host) {
        copies.copyOut(address, host);
    }

    @Override
    public void close() {
        allocator.close();
        try {
            stop.close();
        } catch (Exception e) {
            throw new IllegalStateException("stopping " + name, e);
        }
    }
}
