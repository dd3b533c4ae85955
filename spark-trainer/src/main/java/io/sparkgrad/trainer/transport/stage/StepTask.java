package io.sparkgrad.trainer.transport.stage;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.trainer.ReplicaFactory;
import io.sparkgrad.trainer.data.Blocks;
import io.sparkgrad.trainer.transport.GradientSum;
import io.sparkgrad.trainer.transport.GradientWorker;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;

import java.util.Iterator;
import java.util.List;

/** One partition's share of one step, as an ordinary Spark task: a one-leaf {@link GradientSum}. */
final class StepTask implements Function2<Integer, Iterator<SampleBlock>, Iterator<GradientSum>> {

    private static final long serialVersionUID = 1L;

    private final String runId;
    private final ReplicaFactory factory;
    private final long seed;
    private final int epoch;
    private final long globalStep;
    private final int numParameters;
    private final int[] offsets;
    private final int[] counts;
    private final Broadcast<float[]> weights;

    StepTask(String runId, ReplicaFactory factory, long seed, int epoch, long globalStep, int numParameters, int[] offsets,
             int[] counts, Broadcast<float[]> weights) {
        this.runId = runId;
        this.factory = factory;
        this.seed = seed;
        this.epoch = epoch;
        this.globalStep = globalStep;
        this.numParameters = numParameters;
        this.offsets = offsets;
        this.counts = counts;
        this.weights = weights;
    }

    @Override
    public Iterator<GradientSum> call(Integer partition, Iterator<SampleBlock> it) {
        SampleBlock block = Blocks.single(it, partition);
        TaskContext ctx = TaskContext.get();
        int threads = ctx == null ? 1 : ctx.cpus();
        try (GradientWorker worker = GradientWorker.open(runId, factory, threads, block, partition, seed, epoch, numParameters)) {
            GradientWorker.Contribution c = worker.step(weights.value(), globalStep, offsets[partition], counts[partition]);
            // The worker reuses its buffer; the task result must own its array.
            return List.of(new GradientSum().add(partition, c.stats(), c.gradSum().clone(), c.computeNanos())).iterator();
        }
    }
}
