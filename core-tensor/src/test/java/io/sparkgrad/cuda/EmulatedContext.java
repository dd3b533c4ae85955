package io.sparkgrad.cuda;

/** The {@link EmulatedDevice} as a {@link GpuContext}, with its own caching allocator; closing it stops the emulator. */
final class EmulatedContext implements GpuContext {
    private final EmulatedDevice device;
    private final CachingAllocator allocator;

    private EmulatedContext(EmulatedDevice device) {
        this.device = device;
        this.allocator = new CachingAllocator("emulated", device, Long.MAX_VALUE);
    }

    /** Builds (when stale) and starts the emulator; needs g++. */
    static EmulatedContext start() throws Exception {
        return new EmulatedContext(EmulatedDevice.start());
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
