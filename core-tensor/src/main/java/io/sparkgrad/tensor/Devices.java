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
     * Whether tensors can live on a CUDA device in this build: they can. A tensor's storage is host memory or a block of
     * a device's caching allocator ({@code Tensor.to(cuda)}, {@code Module.to(cuda)}); the ops of tensors on a device
     * run on its kernels ({@code io.sparkgrad.cuda.CudaOps}) with their gradients, and an op without a CUDA
     * implementation is an error naming it. The trainer's replicas compute on the same kernels
     * ({@code io.sparkgrad.cuda.GpuSequential}, {@code device=cuda}).
     */
    static final boolean CUDA_TENSORS_WIRED = true;

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
        // Kept for a build that would leave tensors out again: the message says what still works.
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
