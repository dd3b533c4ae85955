package io.sparkgrad.trainer.ml;

import io.sparkgrad.nn.spec.ModelSpec;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.trainer.ReplicaFactory;
import io.sparkgrad.trainer.ReplicaModel;
import io.sparkgrad.trainer.engine.GpuOpener;
import io.sparkgrad.trainer.engine.GpuReplica;
import io.sparkgrad.trainer.engine.ModuleReplica;

import java.util.Arrays;

/**
 * Builds engine replicas of the model a spec describes, initialised from {@code seed}: every replica, on any JVM,
 * starts from the same weights. Ships only the spec text, the input shape and the seed (and, on GPUs, the opener).
 * On GPUs each replica is a {@link GpuReplica} on its task's GPU, from the same weights.
 *
 * @param spec       the model spec
 * @param inputShape the shape of one sample
 * @param seed       the seed of the initial weights and of the dropout generator
 * @param gpu        opens each task's GPU; null: the replicas compute on the CPU
 * @param gpuShare   the part of its GPU's memory a replica may hold, in (0, 1]
 */
record SpecReplicaFactory(ModelSpec spec, int[] inputShape, long seed, GpuOpener gpu, double gpuShare) implements ReplicaFactory {

    SpecReplicaFactory {
        inputShape = inputShape.clone();
    }

    /** CPU replicas. */
    SpecReplicaFactory(ModelSpec spec, int[] inputShape, long seed) {
        this(spec, inputShape, seed, null, 1);
    }

    /**
     * @throws IllegalArgumentException on GPUs, naming the layer, when the model has one the GPU cannot run
     */
    @Override
    public ReplicaModel create(int threads) {
        Generator dropout = new Generator(seed);
        ModuleReplica cpu = new ModuleReplica(spec.build(new Generator(seed), dropout, inputShape), dropout, threads);
        return gpu == null ? cpu : new GpuReplica(cpu, inputShape, index -> gpu.open(index, gpuShare), GpuReplica::taskGpu);
    }

    @Override
    public String toString() {
        return "SpecReplicaFactory[" + spec + ", input " + Arrays.toString(inputShape) + ", seed " + seed
                + (gpu == null ? "" : ", cuda, share " + gpuShare) + "]";
    }
}
