package io.sparkgrad.trainer.transport.stage;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.trainer.data.Blocks;
import io.sparkgrad.trainer.transport.GradientSum;
import io.sparkgrad.trainer.transport.GradientWorker;
import io.sparkgrad.trainer.transport.WorkerSpec;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;

import java.util.Iterator;
import java.util.List;

/**
 * One partition's share of one step, as an ordinary Spark task: a one-leaf {@link GradientSum}.
 *
 * @param worker     the run and epoch the task's worker serves
 * @param globalStep the step
 * @param offsets    each partition's first position in its epoch order at this step
 * @param counts     each partition's number of samples at this step
 * @param weights    the step's weights
 */
record StepTask(WorkerSpec worker, long globalStep, int[] offsets, int[] counts, Broadcast<float[]> weights)
        implements Function2<Integer, Iterator<SampleBlock>, Iterator<GradientSum>> {

    private static final long serialVersionUID = 1L;

    @Override
    public Iterator<GradientSum> call(Integer partition, Iterator<SampleBlock> it) {
        SampleBlock block = Blocks.single(it, partition);
        TaskContext ctx = TaskContext.get();
        int threads = ctx == null ? 1 : ctx.cpus();
        try (GradientWorker gradients = worker.open(threads, block, partition)) {
            GradientWorker.Contribution c = gradients.step(weights.value(), globalStep, offsets[partition], counts[partition]);
            // The worker reuses its buffer; the task result must own its array.
            return List.of(new GradientSum().add(partition, c.stats(), c.gradSum().clone(), c.computeNanos())).iterator();
        }
    }
}
