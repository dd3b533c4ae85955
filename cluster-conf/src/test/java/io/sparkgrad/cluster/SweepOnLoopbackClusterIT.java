package io.sparkgrad.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.io.Safetensors;
import io.sparkgrad.trainer.SparkgradKryoRegistrator;
import io.sparkgrad.trainer.sweep.Sweep;
import io.sparkgrad.trainer.sweep.SweepConfig;
import io.sparkgrad.trainer.sweep.SweepResult;
import io.sparkgrad.trainer.sweep.TrialStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.spark.ExecutorLostFailure;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.scheduler.TaskInfo;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sweep in trial-per-task mode on a real standalone cluster (a master and two workers, each a JVM, executors separate
 * JVMs too), with the driver in this JVM: once undisturbed, and once with an executor JVM killed with SIGKILL while it
 * trains a trial's segment. The lost segment re-runs from the checkpoint its rung started from, on another executor,
 * which reads and caches the data for itself: the killed sweep ends with exactly the undisturbed sweep's trials table,
 * epochs and best weights, and the journal counts the lost segment once. So a lost executor costs only the rung in flight.
 */
class SweepOnLoopbackClusterIT {
    /**
     * Three trials, ASHA with a rung at epoch 1 and the best trained on to 3, one at a time (so ASHA's decisions do not
     * depend on which trial reports first) on either of the two executors.
     */
    static final String SWEEP = """
            sweep:
              trials: 3
              objective: {metric: val_accuracy, mode: max}
              search: grid
              seed: 5
              scheduler: {name: asha, maxEpochs: 3, reductionFactor: 3, graceEpochs: 1}
              parallelism: 1
              mode: trial-per-task
            space:
              model: mnist-cnn
              optimizer.name: sgd
              optimizer.lr: grid(0.05, 0.01, 0.002)
              optimizer.schedule: cosine
              training.globalBatchSize: 64
              data.trainLimit: 8000
              data.validationLimit: 2000
            """;
    /** A segment task that has trained this long is mid-epoch: the time to kill its executor. */
    static final long KILL_AFTER_MILLIS = 700;

    @TempDir
    static Path tmp;

    static LoopbackCluster cluster;
    static SparkSession spark;

    @BeforeAll
    static void start() throws InterruptedException {
        cluster = LoopbackCluster.builder().workers(2).coresPerWorker(1).memoryPerWorker("1g").startTimeout(Duration.ofSeconds(120)).start();
        System.err.println("SweepOnLoopbackClusterIT: cluster up in " + cluster.startupTime().toMillis() + " ms");
        spark = cluster.startSession(SparkgradKryoRegistrator.configure(new SparkConf().setAppName("sweep-on-cluster")));
    }

    @AfterAll
    static void stop() {
        LoopbackCluster.stop(cluster, spark);
    }

    static SweepResult sweep(Path out) throws Exception {
        return Sweep.builder(spark, SweepConfig.parse(SWEEP)).output(out.toUri().toString()).console(null).build().run();
    }

    @Test
    void anExecutorKilledMidSegmentCostsOnlyTheRungInFlight() throws Exception {
        SweepResult undisturbed = sweep(tmp.resolve("undisturbed"));
        assertEquals(3, undisturbed.trials().size());
        assertTrue(undisturbed.count(TrialStatus.STOPPED) >= 1, "ASHA stopped a trial at the rung: " + table(undisturbed));

        KillMidSegment killer = new KillMidSegment();
        spark.sparkContext().addSparkListener(killer);
        Thread watcher = new Thread(killer::watch, "kill-mid-segment");
        watcher.setDaemon(true);
        watcher.start();
        SweepResult killed;
        try {
            killed = sweep(tmp.resolve("killed"));
        } finally {
            killer.done = true;
            spark.sparkContext().removeSparkListener(killer);
        }
        System.err.println("SweepOnLoopbackClusterIT: killed " + killer.victim.get() + "; lost tasks " + killer.lost);
        assertNotNull(killer.victim.get(), "an executor was killed while a segment trained");
        assertFalse(killer.victim.get().isAlive());
        assertFalse(killer.lost.isEmpty(), "the driver lost a running segment task with its executor");
        assertEquals(table(undisturbed), table(killed), "the same trials, statuses, epochs and metrics");
        assertEquals(undisturbed.epochsTrained(), killed.epochsTrained(), "the journal counts the lost segment once");
        assertEquals(journalSegments(tmp.resolve("undisturbed")), journalSegments(tmp.resolve("killed")),
                "the same segments, each journaled once");
        assertEquals(weights(undisturbed.best().checkpoint()), weights(killed.best().checkpoint()), "the best trial's weights, bit for bit");
    }

    /** Kills the executor of the first task that has run {@link #KILL_AFTER_MILLIS}, and records the tasks lost with it. */
    static final class KillMidSegment extends SparkListener {
        final Map<Long, TaskInfo> running = new ConcurrentHashMap<>();
        final AtomicReference<ExecutorProcess> victim = new AtomicReference<>();
        final List<String> lost = java.util.Collections.synchronizedList(new ArrayList<>());
        volatile boolean done;

        @Override
        public void onTaskStart(SparkListenerTaskStart start) {
            running.put(start.taskInfo().taskId(), start.taskInfo());
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
            running.remove(end.taskInfo().taskId());
            if (end.reason() instanceof ExecutorLostFailure) {
                lost.add("task " + end.taskInfo().taskId() + " on executor " + end.taskInfo().executorId());
            }
        }

        void watch() {
            while (!done && victim.get() == null) {
                long now = System.currentTimeMillis();
                for (TaskInfo t : running.values()) {
                    if (now - t.launchTime() >= KILL_AFTER_MILLIS) {
                        cluster.executors().stream().filter(e -> e.executorId().equals(t.executorId())).findFirst().ifPresent(e -> {
                            victim.set(e);
                            cluster.kill(e);
                        });
                        break;
                    }
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** Trial, status, epochs and every epoch's metrics. */
    static List<String> table(SweepResult r) {
        return r.trials().stream().map(t -> t.id() + " " + t.status() + " " + t.epochs().stream()
                .map(e -> e.epoch() + ":" + e.trainLoss() + "/" + e.valLoss() + "/" + e.valAccuracy()).collect(Collectors.joining(",")))
                .toList();
    }

    /** The journal's segment events, without their timings. */
    static List<String> journalSegments(Path out) throws Exception {
        return Files.readAllLines(out.resolve(Sweep.JOURNAL)).stream().filter(l -> l.contains("\"event\":\"segment\""))
                .map(l -> l.replaceAll("\"seconds\":[0-9.Ee+-]+", "").replaceAll("\"checkpoint\":\"[^\"]*\"", "")).sorted().toList();
    }

    /** A checkpoint's tensors as raw float bits. */
    static Map<String, List<Integer>> weights(String checkpoint) throws Exception {
        Map<String, List<Integer>> out = new java.util.TreeMap<>();
        Safetensors.read(Path.of(java.net.URI.create(checkpoint))).tensors().forEach((k, v) -> {
            List<Integer> bits = new ArrayList<>();
            for (float f : v.toFloatArray()) {
                bits.add(Float.floatToRawIntBits(f));
            }
            out.put(k, bits);
        });
        assertFalse(out.isEmpty(), checkpoint);
        return out;
    }
}
