package io.sparkgrad.trainer.eval;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.trainer.ReplicaFactory;
import io.sparkgrad.trainer.ReplicaModel;
import io.sparkgrad.trainer.StepStats;
import io.sparkgrad.trainer.transport.ReplicaPool;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

import java.util.List;

/**
 * Evaluates weights on a distributed data set: the weights go out once by broadcast, every partition runs the
 * model in evaluation mode over its blocks (in chunks, to bound the engine's memory), and a {@code treeReduce} of
 * (loss sum, correct, count) gives the exact loss and accuracy over all samples. The same code serves the
 * per-epoch validation pass and a final test-set evaluation.
 */
public final class DistributedEvaluator {

    private final String runId;
    private final ReplicaFactory factory;
    private final int chunk;

    /**
     * @param runId   the run (replicas come from the executors' pool for it)
     * @param factory builds replicas
     * @param chunk   samples per {@code evaluate} call
     */
    public DistributedEvaluator(String runId, ReplicaFactory factory, int chunk) {
        if (chunk <= 0) {
            throw new IllegalArgumentException("evaluation chunk size must be positive, got " + chunk);
        }
        this.runId = runId;
        this.factory = factory;
        this.chunk = chunk;
    }

    /** Loss sum, correct count and sample count of {@code params} over every sample of {@code data}. */
    public StepStats evaluate(JavaRDD<SampleBlock> data, float[] params) {
        if (data.getNumPartitions() == 0) {
            return StepStats.ZERO;
        }
        Broadcast<float[]> weights = JavaSparkContext.fromSparkContext(data.context()).broadcast(params.clone());
        try {
            String run = runId;
            ReplicaFactory f = factory;
            int per = chunk;
            int n = params.length;
            return data.mapPartitions(it -> {
                TaskContext ctx = TaskContext.get();
                ReplicaModel replica = ReplicaPool.acquire(run, f, ctx == null ? 1 : ctx.cpus());
                boolean ok = false;
                try {
                    if (replica.numParameters() != n) {
                        throw new IllegalStateException("the replica built on this executor has " + replica.numParameters()
                                + " parameters but the weights being evaluated have " + n);
                    }
                    replica.setParameters(weights.value());
                    replica.train(false);
                    StepStats total = StepStats.ZERO;
                    while (it.hasNext()) {
                        SampleBlock b = it.next();
                        for (int from = 0; from < b.size(); from += per) {
                            int count = Math.min(per, b.size() - from);
                            StepStats s = replica.evaluate(b, from, count);
                            if (s.count() != count) {
                                throw new IllegalStateException("replica evaluated " + s.count() + " samples for a chunk of " + count);
                            }
                            total = total.plus(s);
                        }
                    }
                    ok = true;
                    return List.of(total).iterator();
                } finally {
                    if (ok) {
                        ReplicaPool.release(run, replica);
                    } else {
                        ReplicaPool.discard(replica);
                    }
                }
            }).treeReduce(StepStats::plus, 2);
        } finally {
            weights.destroy();
        }
    }
}
