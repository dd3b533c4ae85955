package io.sparkgrad.trainer.engine;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.kernel.Parallelism;
import io.sparkgrad.trainer.DistributedTrainer;
import io.sparkgrad.trainer.LocalSpark;
import io.sparkgrad.trainer.ReplicaFactory;
import io.sparkgrad.trainer.reference.SyntheticClassification;
import io.sparkgrad.trainer.transport.GradientTransport;
import io.sparkgrad.trainer.transport.barrier.BarrierTransport;
import io.sparkgrad.trainer.transport.stage.StagePerStepTransport;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Inside a Spark task the engine computes with the task's {@code spark.task.cpus} threads (2 here, on
 * {@code local[4]}), whatever the JVM's count was, for training steps on both transports and for validation; and in
 * local mode, where the tasks run in the driver's JVM, the driver's own count (3 here) is back once a run ends.
 */
class TaskThreadsTest {

    static final int TASK_CPUS = 2;
    static final int DRIVER_THREADS = 3;

    static SparkSession spark;
    static int threadsBefore;

    @BeforeAll
    static void start() {
        spark = LocalSpark.start("local[4]", "task-threads", Map.of("spark.task.cpus", Integer.toString(TASK_CPUS)));
        threadsBefore = Parallelism.numThreads();
    }

    @AfterAll
    static void stop() {
        Parallelism.setNumThreads(threadsBefore);
        spark.stop();
    }

    @Test
    void replicasComputeWithTheTaskCpusAndTheDriverKeepsItsCount() {
        Parallelism.setNumThreads(DRIVER_THREADS);
        ThreadRecorder.reset();
        ReplicaFactory factory = ThreadRecorder.wrap(ModuleReplica.factory(MnistModels.TUTORIAL_CNN, 1));
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        JavaRDD<SampleBlock> data = new SyntheticClassification(new int[] {1, 28, 28}, 10, 3).rdd(sc, new int[] {70, 58}, 0);
        for (GradientTransport t : List.<GradientTransport>of(new BarrierTransport(), new StagePerStepTransport())) {
            DistributedTrainer.builder()
                    .replicaFactory(factory).optimizer(PlainEngine.Opt.SGD_MOMENTUM.driver()).globalBatchSize(32).epochs(1)
                    .seed(1).workers(2).transport(t).trainingData(data).validationData(data).consoleProgress(false)
                    .build().fit();
            assertEquals(DRIVER_THREADS, Parallelism.numThreads(), "the driver's engine thread count after a " + t.name() + " run");
        }
        // Built in the tasks with the task's cpus, and once per run on the driver with 1 (to read the initial weights);
        // every gradient and evaluation call computed at the task's cpus.
        assertEquals(List.of(1, TASK_CPUS), ThreadRecorder.createdWith(), "threads the replicas were built with");
        assertEquals(List.of(TASK_CPUS), ThreadRecorder.computedWith(), "engine threads inside computeGradient and evaluate");
        // 2 runs x 4 steps x 2 workers gradient calls, plus the validation passes.
        assertTrue(ThreadRecorder.calls() >= 2 * 4 * 2 + 2 * 2, "recorded calls: " + ThreadRecorder.calls());
    }
}
