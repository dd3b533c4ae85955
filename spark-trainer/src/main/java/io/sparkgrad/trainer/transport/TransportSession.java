package io.sparkgrad.trainer.transport;

import java.net.InetSocketAddress;
import java.util.Optional;

/** A transport's state for one training run. */
public interface TransportSession extends AutoCloseable {

    /**
     * Runs the steps {@code spec.firstStep() .. plan.steps() - 1} of an epoch, starting from {@code params}, calling
     * {@code handler} once per step in order. Returns when the epoch's last step has been handled and its tasks
     * have finished.
     *
     * @throws io.sparkgrad.trainer.TrainingException when a step times out, the Spark job fails for good, or the
     *                                                handler throws (its exception is the cause)
     */
    void runEpoch(EpochSpec spec, float[] params, StepHandler handler);

    /** Where workers connect, for a transport with its own server (logged, and handy for firewall rules). */
    default Optional<InetSocketAddress> endpoint() {
        return Optional.empty();
    }

    /** Stops servers and threads; idempotent. */
    @Override
    void close();
}
