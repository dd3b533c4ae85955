package io.sparkgrad.tensor;

import io.sparkgrad.cuda.GpuContext;
import io.sparkgrad.cuda.GpuSession;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The backend of each CUDA device that holds tensors, opened at its first use: a {@link GpuSession} on {@code cuda:N}
 * once {@link Devices#require} has found the device usable (so a CPU run never gets here, and a missing GPU is an error
 * with the detection's reason). The session then lives as long as the process, as PyTorch's CUDA state does; its
 * context is made current by every launch and copy, on whatever thread calls. Tests install the kernels' emulator for a
 * device instead ({@link #install}), which runs the whole path on machines without a GPU.
 */
final class CudaBackends {
    private static final Map<Device, CudaBackend> BACKENDS = new ConcurrentHashMap<>();

    private CudaBackends() {
    }

    /** The backend of {@code device} (a CUDA device), opening its session at the first call. */
    static CudaBackend of(Device device) {
        CudaBackend backend = BACKENDS.get(device);
        if (backend != null) {
            return backend;
        }
        synchronized (BACKENDS) {
            return BACKENDS.computeIfAbsent(device, d -> {
                Devices.require(d);
                return new CudaBackend(d, GpuSession.open(d.index(), Long.MAX_VALUE));
            });
        }
    }

    /**
     * Tests: makes {@code context} (e.g. the emulator) the backend of {@code device} until {@link #uninstall}; tensors
     * already on that device must not be used afterwards.
     */
    static CudaBackend install(Device device, GpuContext context) {
        CudaBackend backend = new CudaBackend(device, context);
        BACKENDS.put(device, backend);
        return backend;
    }

    /** Tests: forgets {@code device}'s backend (the caller closes the context it installed). */
    static void uninstall(Device device) {
        BACKENDS.remove(device);
    }
}
