package io.sparkgrad.trainer.transport;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.trainer.ReplicaFactory;

import java.io.Serializable;

/**
 * What an executor task needs, whatever the transport, to open its {@link GradientWorker} for one epoch: shipped
 * inside every transport's Spark task.
 *
 * @param runId         unique id of the run (the executor-side replica pool)
 * @param factory       builds the replica
 * @param seed          the run seed (epoch orders, step seeds)
 * @param epoch         the epoch, from 0
 * @param numParameters length of the flat parameter buffer the replica must have
 */
public record WorkerSpec(String runId, ReplicaFactory factory, long seed, int epoch, int numParameters) implements Serializable {

    /** The spec of {@code ctx}'s run for {@code epoch}. */
    public static WorkerSpec of(TransportContext ctx, int epoch) {
        return new WorkerSpec(ctx.runId(), ctx.factory(), ctx.seed(), epoch, ctx.numParameters());
    }

    /** {@link GradientWorker#open} for this spec, on {@code partition}'s {@code block} with {@code threads} threads. */
    public GradientWorker open(int threads, SampleBlock block, int partition) {
        return GradientWorker.open(runId, factory, threads, block, partition, seed, epoch, numParameters);
    }
}
