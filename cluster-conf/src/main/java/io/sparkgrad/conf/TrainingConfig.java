package io.sparkgrad.conf;

import java.io.Serializable;

/**
 * The training loop.
 *
 * @param globalBatchSize       samples per optimizer step, summed over all workers
 * @param dropLast              drop each epoch's last partial batch (PyTorch's {@code drop_last=True}); by default the
 *                              epoch ends with a smaller step over the samples left over
 * @param epochs                passes over the training set
 * @param seed                  the seed every random choice derives from
 * @param workers               gradient workers (Spark tasks running at once), one per executor
 * @param transport             how gradients reach the driver
 * @param skipNonFinite         skip a step whose gradient holds NaN or infinity instead of failing
 * @param checkpointEveryKSteps also checkpoint every k steps; 0 means only at the end of each epoch
 * @param channelPort           the barrier transport's server port on the driver: a port ({@code 50100}), a range
 *                              ({@code 50100-50200}, the first free one is taken) or {@code 0} for any free port, for
 *                              clusters behind firewalls and Kubernetes NetworkPolicies
 */
public record TrainingConfig(
        @Range(min = 1, max = 1 << 20) int globalBatchSize,
        boolean dropLast,
        @Range(min = 1, max = 100_000) int epochs,
        long seed,
        @Range(min = 1, max = 4096) int workers,
        Transport transport,
        boolean skipNonFinite,
        @Range(min = 0) int checkpointEveryKSteps,
        String channelPort) implements Serializable {
}
