package io.sparkgrad.trainer.engine;

import io.sparkgrad.cuda.CachingAllocator;
import io.sparkgrad.cuda.GpuContext;
import io.sparkgrad.cuda.HostGpuContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A {@link GpuOpener} for tests: opens the CPU emulation of the CUDA kernels as a run's GPU, capped as
 * {@code GpuSession.openShare} caps a real one of {@link #BYTES}, and keeps what it opened. Local mode runs the tasks in
 * the test's JVM, so {@link #OPENED} is the test's to inspect. Every GPU passes {@link #requireDevice}.
 */
public final class EmulatedGpu implements GpuOpener {
    /** The emulated GPU's memory. */
    public static final long BYTES = 2L << 20;
    /** What the tasks opened, in order. */
    public static final List<HostGpuContext> OPENED = Collections.synchronizedList(new ArrayList<>());

    @Override
    public GpuContext open(int index, double share) {
        try {
            HostGpuContext device = HostGpuContext.emulated(CachingAllocator.shareLimit(share, BYTES));
            OPENED.add(device);
            return device;
        } catch (Exception e) {
            throw new IllegalStateException("starting the CUDA emulator", e);
        }
    }

    @Override
    public void requireDevice(int index) {
    }
}
