package io.sparkgrad.cuda;

/**
 * The {@link EmulatedDevice} as a {@link GpuContext}, with its own caching allocator; closing it stops the emulator. Public
 * for other modules' tests (core-tensor's test-jar): the trainer's GPU replica runs on it where there is no GPU.
 */
public final class EmulatedContext implements GpuContext {
    private final EmulatedDevice device;
    private final CachingAllocator allocator;

    private EmulatedContext(EmulatedDevice device) {
        this.device = device;
        this.allocator = new CachingAllocator("emulated", device, Long.MAX_VALUE);
    }

    /** Builds (when stale) and starts the emulator; needs g++ ({@link #available()}). */
    public static EmulatedContext start() throws Exception {
        return new EmulatedContext(EmulatedDevice.start());
    }

    /** Whether the emulator can be built here: g++ is on the PATH. */
    public static boolean available() {
        return PtxResourcesTest.onPath("g++");
    }

    @Override
    public String name() {
        return "emulated";
    }

    @Override
    public CachingAllocator allocator() {
        return allocator;
    }

    @Override
    public void makeCurrent() {
        // one emulator process, no contexts
    }

    @Override
    public void launch(CudaKernel kernel, Launch launch, Object... args) {
        device.launch(kernel, launch, args);
    }

    @Override
    public void copyIn(float[] host, long address) {
        device.copyIn(host, address);
    }

    @Override
    public void copyIn(int[] host, long address) {
        device.copyIn(host, address);
    }

    @Override
    public void copyOut(long address, float[] host) {
        device.copyOut(address, host);
    }

    @Override
    public void close() {
        allocator.close();
        try {
            device.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
