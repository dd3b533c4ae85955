package io.sparkgrad.tensor;

import io.sparkgrad.cuda.CudaDetection;
import io.sparkgrad.cuda.CudaStatus;

/**
 * Which devices this process can use. The CUDA backend (JCuda, {@code io.sparkgrad.cuda}) is optional: it is probed
 * once, lazily, when someone asks ({@link CudaDetection}), and its absence is a normal answer with a reason, never an
 * exception. A CPU run never asks, so it never loads a JCuda class. Asking for CUDA where it is unusable is an error
 * naming the reason: there is no silent fallback to the CPU.
 */
public final class Devices {
    /**
     * Whether tensors can live on a CUDA device in this build. The driver-level backend (detection, kernels as PTX,
     * the caching allocator, contexts and streams) exists, and the trainer's replicas compute on it
     * ({@code io.sparkgrad.cuda.GpuSequential}, {@code device=cuda}); but {@link Tensor}'s storage is still host memory
     * only: {@code Tensor.to(cuda)} and {@code Module.to(cuda)} are refused.
     */
    static final boolean CUDA_TENSORS_WIRED = false;

    private Devices() {
    }

    /** True when a CUDA device and the GPU backend are usable for tensors. */
    public static boolean cudaAvailable() {
        return cudaUnavailableReason() == null;
    }

    /** Why CUDA is not usable for tensors (null when it is). */
    public static String cudaUnavailableReason() {
        CudaStatus status = CudaDetection.status();
        if (!status.available()) {
            return status.reason();
        }
        return CUDA_TENSORS_WIRED ? null : "a CUDA device is present (" + status.deviceCount() + " device(s), driver for CUDA "
                + CudaStatus.versionText(status.driverVersion()) + "), but tensors on cuda are not wired into this build "
                + "yet: tensors and modules stay on the CPU (the trainer computes on the GPU with device=cuda)";
    }

    /** Fails with a clear message unless {@code device} can hold tensors. A CPU device never probes CUDA. */
    public static void require(Device device) {
        if (device.kind() != Device.Kind.CUDA) {
            return;
        }
        CudaDetection.status().requireDevice(device.index());
        String reason = cudaUnavailableReason();
        if (reason != null) {
            throw new IllegalStateException("cannot use device " + device + ": " + reason + ". Use Device.CPU.");
        }
    }
}
