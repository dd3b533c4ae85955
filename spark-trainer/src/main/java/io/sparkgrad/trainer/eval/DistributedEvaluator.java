package io.sparkgrad.trainer.eval;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.trainer.ReplicaFactory;
import io.sparkgrad.trainer.ReplicaModel;
import io.sparkgrad.trainer.StepStats;
import io.sparkgrad.trainer.TrainingException;
import io.sparkgrad.trainer.engine.ModuleReplica;
import io.sparkgrad.trainer.transport.ReplicaPool;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Evaluates weights on a distributed data set: the weights go out once by broadcast, every partition runs the
 * model in evaluation mode over its blocks (in chunks, to bound the engine's memory), and a {@code treeReduce} of
 * (loss sum, correct, count) gives the exact loss and accuracy over all samples. The same code serves the
 * per-epoch validation pass and a final test-set evaluation.
 */
public final class DistributedEvaluator {

    private static final long RECANCEL_MILLIS = 250;

    private final String runId;
    private final ReplicaFactory factory;
    private final int chunk;
    private final Duration timeout;

    /**
     * @param runId   the run (replicas come from the executors' pool for it)
     * @param factory builds replicas
     * @param chunk   samples per {@code evaluate} call
     */
    public DistributedEvaluator(String runId, ReplicaFactory factory, int chunk) {
        this(runId, factory, chunk, null);
    }

    /**
     * Like {@link #DistributedEvaluator(String, ReplicaFactory, int)}, with a limit on one pass: a pass still running
     * after {@code timeout} has its Spark job group cancelled and fails with a {@link TrainingException}.
     *
     * @param timeout the longest one evaluation may take, or null for no limit
     */
    public DistributedEvaluator(String runId, ReplicaFactory factory, int chunk, Duration timeout) {
        if (chunk <= 0) {
            throw new IllegalArgumentException("evaluation chunk size must be positive, got " + chunk);
        }
        if (timeout != null && (timeout.isZero() || timeout.isNegative())) {
            throw new IllegalArgumentException("evaluation timeout must be positive, got " + timeout);
        }
        this.runId = runId;
        this.factory = factory;
        this.chunk = chunk;
        this.timeout = timeout;
    }

    /**
     * Loss sum, correct count and sample count of {@code params} over every sample of {@code data}. With a timeout,
     * the pass runs in the caller's job group (or a group of its own when the caller set none), which is cancelled
     * when the timeout passes.
     *
     * @throws TrainingException when the pass outlives the timeout (its job is cancelled) or the caller is interrupted
     */
    public StepStats evaluate(JavaRDD<SampleBlock> data, float[] params) {
        if (data.getNumPartitions() == 0) {
            return StepStats.ZERO;
        }
        if (timeout == null) {
            return run(data, params);
        }
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(data.context());
        String group = sc.getLocalProperty("spark.jobGroup.id");
        boolean own = group == null;
        if (own) {
            group = runId + "-evaluation-" + UUID.randomUUID();
            sc.setJobGroup(group, "Sparkgrad evaluation", true);
        }
        String cancel = group;
        AtomicBoolean timedOut = new AtomicBoolean();
        AtomicBoolean over = new AtomicBoolean();
        alarm(timeout.toMillis(), over, () -> {
            timedOut.set(true);
            sc.cancelJobGroup(cancel);
        });
        try {
            return run(data, params);
        } catch (Exception e) {
            // Spark's job failures are Scala exceptions, and an interrupted wait an InterruptedException, all undeclared.
            if (e instanceof InterruptedException || Thread.currentThread().isInterrupted()) {
                sc.cancelJobGroup(cancel);
                Thread.currentThread().interrupt();
                throw new TrainingException("evaluation interrupted; its Spark job was cancelled", e);
            }
            if (timedOut.get()) {
                throw new TrainingException("evaluation of " + data.getNumPartitions() + " partitions timed out after "
                        + timeout.toMillis() / 1000.0 + " s; its Spark job (group " + cancel + ") was cancelled", e);
            }
            throw e;
        } finally {
            over.set(true);
            if (own) {
                sc.clearJobGroup();
            }
        }
    }

    /**
     * Runs {@code cancel} after {@code delayMillis}, then again every {@value #RECANCEL_MILLIS} ms until {@code over}: a
     * cancellation reaches only the jobs already submitted, and a busy driver can submit the pass's job after it.
     */
    private static void alarm(long delayMillis, AtomicBoolean over, Runnable cancel) {
        CompletableFuture.runAsync(() -> {
            if (!over.get()) {
                cancel.run();
                alarm(RECANCEL_MILLIS, over, cancel);
            }
        }, CompletableFuture.delayedExecutor(delayMillis, TimeUnit.MILLISECONDS));
    }

    private StepStats run(JavaRDD<SampleBlock> data, float[] params) {
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
                        int even = ModuleReplica.evenChunk(b.size(), per);
                        for (int from = 0; from < b.size(); from += even) {
                            int count = Math.min(even, b.size() - from);
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
