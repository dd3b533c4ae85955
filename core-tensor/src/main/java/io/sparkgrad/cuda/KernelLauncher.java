package io.sparkgrad.cuda;

/**
 * Runs a kernel of the committed PTX on a stream: {@link GpuSession} on a GPU, a recorder in tests of the host-side
 * logic. Implementations check the arguments against the kernel's parameters ({@link CudaKernel#checkArgs}).
 */
public interface KernelLauncher {

    /** Queues {@code kernel} with {@code launch}'s geometry and {@code args} (Long pointers, Integer, Float). */
    void launch(CudaKernel kernel, Launch launch, Object... args);
}
