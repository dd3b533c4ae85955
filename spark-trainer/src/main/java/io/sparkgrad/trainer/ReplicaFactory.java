package io.sparkgrad.trainer;

import java.io.Serializable;

/**
 * Builds model replicas. It is serialized into Spark tasks and called on the executors (and once on the driver,
 * to read the initial parameters and the layout), so it must be serializable and cheap to ship: capture a model
 * description and a seed, never a built model.
 *
 * <pre>{@code
 * ReplicaFactory f = ModuleReplica.factory(MnistModels.TUTORIAL_CNN, 42);   // io.sparkgrad.trainer.engine
 * }</pre>
 */
@FunctionalInterface
public interface ReplicaFactory extends Serializable {

    /**
     * A new replica.
     *
     * @param threads how many threads the engine may use inside one Spark task: the task's {@code spark.task.cpus}
     *                on the executors, 1 for the driver's probe replica
     */
    ReplicaModel create(int threads);
}
