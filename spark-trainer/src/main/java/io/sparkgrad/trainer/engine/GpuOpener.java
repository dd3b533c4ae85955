package io.sparkgrad.trainer.engine;

import io.sparkgrad.cuda.CudaDetection;
import io.sparkgrad.cuda.GpuContext;
import io.sparkgrad.cuda.GpuSession;
import java.io.Serializable;

/**
 * Opens a GPU for one run that may hold at most a share of its memory: a sweep's trial or an estimator's replica packed
 * with others on one GPU ({@code spark.task.resource.gpu.amount} below 1). Serializable: it travels with the task.
 * {@link #CUDA} opens a {@link GpuSession}; tests open the CPU emulation of the kernels instead.
 */
@FunctionalInterface
public interface GpuOpener extends Serializable {

    /** The real GPU: {@link GpuSession#openShare}, which fails with the detection's reason where CUDA is unusable. */
    GpuOpener CUDA = GpuSession::openShare;

    /**
     * Opens {@code cuda:index} for one run.
     *
     * @param share the part of the GPU's memory the run may hold, in (0, 1]
     */
    GpuContext open(int index, double share);

    /**
     * Fails unless {@code cuda:index} is usable in this process, with the detection's reason (the driver asks in local
     * mode, where the tasks use its GPU 0, so that a sweep or fit fails at once rather than in every task).
     *
     * @throws IllegalStateException naming the device and the reason
     */
    default void requireDevice(int index) {
        CudaDetection.status().requireDevice(index);
    }
}
