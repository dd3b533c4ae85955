package io.sparkgrad.trainer.sweep;

import io.sparkgrad.cuda.GpuContext;
import io.sparkgrad.trainer.engine.GpuOpener;
import io.sparkgrad.trainer.engine.GpuReplica;
import java.io.Serializable;
import java.util.Locale;

/**
 * Where a trial computes ({@code sweep.device}): the CPU engine, or the GPU that Spark assigned to the trial's task
 * (GPU 0 in local mode), with the trial's device memory capped at {@code sweep.gpuShare} of it.
 *
 * @param gpu      true for {@code sweep.device: cuda}
 * @param gpuShare the part of the GPU's memory a trial may hold, in (0, 1]
 * @param opener   opens the GPU ({@link GpuOpener#CUDA}; the CUDA emulator in tests)
 */
record TrialDevice(boolean gpu, double gpuShare, GpuOpener opener) implements Serializable {
    static final TrialDevice CPU = new TrialDevice(false, 1, null);

    /** The device {@code config} asks for, opened by {@code opener} when it is a GPU. */
    static TrialDevice of(SweepConfig config, GpuOpener opener) {
        return config.onGpu() ? new TrialDevice(true, config.gpuShare(), opener) : CPU;
    }

    /** Opens the running task's GPU for one trial segment, capped at the trial's share. */
    GpuContext open() {
        return opener.open(GpuReplica.taskGpu(), gpuShare);
    }

    /**
     * The message of a trial that needed more device memory than its cap: the allocator's numbers, then which keys to
     * change.
     */
    String overCap(int trial, long capBytes, RuntimeException allocatorMessage) {
        return String.format(Locale.ROOT, "trial %d needs more GPU memory than its cap of %.2f MiB (sweep.gpuShare %s of the GPU): %s"
                + " For this sweep: raise sweep.gpuShare (fewer trials share a GPU; spark.task.resource.gpu.amount follows it) or"
                + " lower training.globalBatchSize.", trial, capBytes / 1048576.0, gpuShare, allocatorMessage.getMessage());
    }
}
