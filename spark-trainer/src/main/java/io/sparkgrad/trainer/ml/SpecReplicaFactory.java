package io.sparkgrad.trainer.ml;

import io.sparkgrad.nn.spec.ModelSpec;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.trainer.ReplicaFactory;
import io.sparkgrad.trainer.ReplicaModel;
import io.sparkgrad.trainer.engine.ModuleReplica;

import java.util.Arrays;

/**
 * Builds engine replicas of the model a spec describes, initialised from {@code seed}: every replica, on any JVM,
 * starts from the same weights. Ships only the spec text, the input shape and the seed.
 *
 * @param spec       the model spec
 * @param inputShape the shape of one sample
 * @param seed       the seed of the initial weights and of the dropout generator
 */
record SpecReplicaFactory(ModelSpec spec, int[] inputShape, long seed) implements ReplicaFactory {

    SpecReplicaFactory {
        inputShape = inputShape.clone();
    }

    @Override
    public ReplicaModel create(int threads) {
        Generator dropout = new Generator(seed);
        return new ModuleReplica(spec.build(new Generator(seed), dropout, inputShape), dropout, threads);
    }

    @Override
    public String toString() {
        return "SpecReplicaFactory[" + spec + ", input " + Arrays.toString(inputShape) + ", seed " + seed + "]";
    }
}
