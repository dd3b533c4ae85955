package io.sparkgrad.trainer.transport;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.trainer.ReplicaFactory;
import io.sparkgrad.trainer.plan.BatchPlan;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * Everything a transport needs to know about a run.
 *
 * @param spark         the Spark context
 * @param runId         unique id of the run (job groups, executor-side replica pools)
 * @param blocks        training data, cached, exactly one {@link SampleBlock} per partition, one partition per worker
 * @param plan          how each step's global batch is split across the workers
 * @param factory       builds replicas on the executors
 * @param numParameters length of the flat parameter buffer
 * @param seed          the run seed (epoch orders, step seeds)
 * @param stepTimeout   how long a step may take before the run fails as hung
 * @param gangTimeout   how long an epoch may wait for Spark to schedule its tasks (a barrier gang needs all its slots
 *                      at once, which other runs' gangs may hold) before the run fails; the step timeout counts only
 *                      once the tasks run
 * @param status        told, on the driver, what the run is waiting for (e.g. "waiting for 2 barrier slots"), for
 *                      its progress line
 */
public record TransportContext(JavaSparkContext spark, String runId, JavaRDD<SampleBlock> blocks, BatchPlan plan,
                               ReplicaFactory factory, int numParameters, long seed, Duration stepTimeout,
                               Duration gangTimeout, Consumer<String> status) {

    /** With the step timeout as gang-scheduling timeout and no status reports. */
    public TransportContext(JavaSparkContext spark, String runId, JavaRDD<SampleBlock> blocks, BatchPlan plan,
                            ReplicaFactory factory, int numParameters, long seed, Duration stepTimeout) {
        this(spark, runId, blocks, plan, factory, numParameters, seed, stepTimeout, stepTimeout, message -> { });
    }
}
