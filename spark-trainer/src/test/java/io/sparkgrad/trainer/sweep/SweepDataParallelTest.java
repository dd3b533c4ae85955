package io.sparkgrad.trainer.sweep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.ingest.spark.SerializableConfiguration;
import io.sparkgrad.tensor.Tensor;
import io.sparkgrad.trainer.LocalSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sweeps in data-parallel mode on {@code local[4]} over the repository's MNIST subset: every trial is a
 * {@code DistributedTrainer} fit on two workers. The ASHA sweep is {@link SweepSparkTest#ASHA} in this mode (one trial
 * at a time, so its decisions are deterministic); a second sweep trains two trials at once.
 */
class SweepDataParallelTest {
    static final String ASHA = sweep(1, "{name: asha, maxEpochs: 9, reductionFactor: 3, graceEpochs: 1}", "grid(0.1, 0.3, 0.00003, 0.0001, 0.03, 0.00001)");

    /** {@link SweepSparkTest#ASHA} in data-parallel mode, two workers per trial, with another parallelism, scheduler and grid. */
    static String sweep(int parallelism, String scheduler, String learningRates) {
        return SweepSparkTest.ASHA.replace("parallelism: 1", "parallelism: " + parallelism + "\n  mode: data-parallel\n  workersPerTrial: 2")
                .replace("{name: asha, maxEpochs: 9, reductionFactor: 3, graceEpochs: 1}", scheduler)
                .replace("grid(0.1, 0.3, 0.00003, 0.0001, 0.03, 0.00001)", learningRates);
    }

    static SparkSession spark;
    static SweepSparkTest.Ran ran;
    static SweepResult asha;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        spark = LocalSpark.start("local[4]", "sweep-dp-test");
        ran = SweepSparkTest.Ran.of(spark, ASHA, dir.resolve("asha"));
        asha = ran.result();
    }

    @AfterAll
    static void stop() {
        java.util.Optional.ofNullable(spark).ifPresent(SparkSession::stop);
    }

    @Test
    void ashaInDataParallelModeStopsTheWorstTrialsAndReportsTheBest() throws Exception {
        SweepSparkTest.assertAshaStoppedTheWorst(asha);
        // The best model and the RESULT line as in trial-per-task mode; the model, evaluated by the engine rather than
        // by the distributed evaluator, may differ in a borderline image of the 200.
        SweepSparkTest.assertTheBestIsReported(asha, ran.out(), ran.console(), 1.0 / 200);
        assertEquals(7, Files.readAllLines(ran.out().resolve("trials.csv")).size());
        // Each trial keeps its trainer's checkpoints, the newest two.
        try (var steps = Files.list(ran.out().resolve("checkpoints/trial-0000"))) {
            assertEquals(DataParallelSegment.KEEP, steps.filter(p -> p.getFileName().toString().startsWith("step-")).count());
        }
    }

    @Test
    void aPromotedTrialContinuesExactlyAsAnUninterruptedFit(@TempDir Path dir) throws Exception {
        Trial promoted = asha.trials().get(0);
        assertEquals(9, promoted.epochs().size());
        List<String> journal = Files.readAllLines(ran.out().resolve(Sweep.JOURNAL));
        assertEquals(3, journal.stream().filter(l -> l.contains("\"event\":\"segment\"") && l.contains("\"trial\":0,")).count(),
                "trial 0 trained in three segments (to rungs 1 and 3, then to 9)");
        TrialConfig tc = TrialConfig.of(promoted.params(), 7);
        String ckpt = dir.resolve("whole").resolve("epoch-009.safetensors").toUri().toString();
        SegmentResult whole = DataParallelSegment.run(spark, new TrialSegment(0, tc, 0, 9, null, ckpt,
                new SerializableConfiguration(new Configuration())), 2, "uninterrupted");
        assertNull(whole.error());
        assertEquals(promoted.epochs().stream().map(e -> List.of(e.epoch(), e.trainLoss(), e.valLoss(), e.valAccuracy())).toList(),
                whole.epochs().stream().map(e -> List.of(e.epoch(), e.trainLoss(), e.valLoss(), e.valAccuracy())).toList());
        SweepSparkTest.assertSameWeights(whole.checkpoint(), promoted.checkpoint());
        // The trainer's checkpoints name the weights as the trial's model does, so model.safetensors loads them.
        assertEquals(new TrialTrainer(tc).stateDict().keySet(),
                TrialTrainer.weights(new org.apache.hadoop.fs.Path(promoted.checkpoint()), new Configuration()).keySet());
    }

    @Test
    void aCosineScheduleSpansTheTrialsPlannedEpochsAcrossSegments(@TempDir Path dir) throws Exception {
        Map<String, Object> params = new HashMap<>(asha.trials().get(0).params());
        params.put("optimizer.schedule", "cosine");
        TrialConfig tc = TrialConfig.of(params, 7, 3);
        SerializableConfiguration conf = new SerializableConfiguration(new Configuration());
        String paused = dir.resolve("paused").resolve("epoch-003.safetensors").toUri().toString();
        SegmentResult first = DataParallelSegment.run(spark, new TrialSegment(0, tc, 0, 1, null, paused, conf), 2, "to rung 1");
        SegmentResult rest = DataParallelSegment.run(spark, new TrialSegment(0, tc, 1, 3, null, paused, conf), 2, "promoted");
        String ckpt = dir.resolve("whole").resolve("epoch-003.safetensors").toUri().toString();
        SegmentResult whole = DataParallelSegment.run(spark, new TrialSegment(0, tc, 0, 3, null, ckpt, conf), 2, "uninterrupted");
        assertNull(first.error());
        assertNull(rest.error());
        assertNull(whole.error());
        List<EpochResult> segmented = new ArrayList<>(first.epochs());
        segmented.addAll(rest.epochs());
        assertEquals(whole.epochs().stream().map(e -> List.of(e.epoch(), e.trainLoss(), e.valLoss())).toList(),
                segmented.stream().map(e -> List.of(e.epoch(), e.trainLoss(), e.valLoss())).toList());
        SweepSparkTest.assertSameWeights(whole.checkpoint(), rest.checkpoint());
        // The schedule is applied: the constant-rate trial's first epoch ends elsewhere.
        double constant = asha.trials().get(0).epochs().get(1).trainLoss();
        assertTrue(constant != whole.epochs().get(1).trainLoss(), "epoch 2 with and without the schedule: " + constant);
    }

    @Test
    void aResumedSweepContinuesFromEachTrialsNewestCheckpoint(@TempDir Path dir) throws Exception {
        // A finished sweep, resumed, trains nothing and reports the same table.
        SweepResult again = Sweep.builder(spark, SweepConfig.parse(ASHA)).output(ran.out().toUri().toString()).resume(true).console(null)
                .build().run();
        assertEquals(0, again.epochsNow());
        assertEquals(SweepSparkTest.table(asha), SweepSparkTest.table(again));
        // A driver killed while trial 0 trained epochs 2-3 leaves the journal at epoch 1 and the trial's folder at epoch 2:
        // the resumed segment continues from epoch 2 and reports epochs 2 and 3 as the uninterrupted trial had them.
        TrialConfig tc = TrialConfig.of(asha.trials().get(0).params(), 7);
        SerializableConfiguration conf = new SerializableConfiguration(new Configuration());
        String ckpt = dir.resolve("trial-0000").resolve("epoch-003.safetensors").toUri().toString();
        SegmentResult killed = DataParallelSegment.run(spark, new TrialSegment(0, tc, 0, 2, null, ckpt, conf), 2, "killed after epoch 2");
        assertNull(killed.error());
        SegmentResult resumed = DataParallelSegment.run(spark, new TrialSegment(0, tc, 1, 3, null, ckpt, conf), 2, "resumed");
        assertNull(resumed.error());
        assertEquals(killed.epochs().get(1).seconds(), resumed.epochs().get(0).seconds(), "epoch 2 restored from its checkpoint, not retrained");
        assertEquals(asha.trials().get(0).epochs().subList(1, 3).stream().map(e -> List.of(e.epoch(), e.trainLoss(), e.valAccuracy())).toList(),
                resumed.epochs().stream().map(e -> List.of(e.epoch(), e.trainLoss(), e.valAccuracy())).toList());
    }

    @Test
    void aDataParallelTrialStartsFromTheWeightsOfTrialPerTaskMode() {
        TrialConfig tc = TrialConfig.of(Map.of("model", "flatten linear(16) relu linear(10)", "training.seed", 11L), 0);
        float[] replica = DataParallelSegment.replicas(tc.modelSpec(), tc.seed(), TrialDevice.CPU).create(1).getParameters();
        float[] engine = new TrialTrainer(tc).stateDict().values().stream().map(Tensor::toFloatArray)
                .reduce(new float[0], (x, y) -> {
                    float[] z = java.util.Arrays.copyOf(x, x.length + y.length);
                    System.arraycopy(y, 0, z, x.length, y.length);
                    return z;
                });
        assertArrayEquals(engine, replica);
    }

    @Test
    void twoTrialsTrainAtOnceEachAsItWouldAlone(@TempDir Path dir) throws Exception {
        String yaml = sweep(2, "{name: none, maxEpochs: 2}", "grid(0.1, 0.3, 0.00003)");
        Map<Integer, String> running = new HashMap<>();
        AtomicInteger mostRunsAtOnce = new AtomicInteger();
        List<String> sites = Collections.synchronizedList(new ArrayList<>());
        SparkListener listener = new SparkListener() {
            @Override
            public synchronized void onJobStart(SparkListenerJobStart e) {
                String group = e.properties().getProperty("spark.jobGroup.id");
                if (group != null && group.startsWith("sparkgrad-")) {
                    sites.add(String.valueOf(e.properties().getProperty("callSite.short")));
                    running.put(e.jobId(), group.replaceAll("-(epoch|validation)-\\d+$", ""));
                    mostRunsAtOnce.accumulateAndGet((int) running.values().stream().distinct().count(), Math::max);
                }
            }

            @Override
            public synchronized void onJobEnd(SparkListenerJobEnd e) {
                running.remove(e.jobId());
            }
        };
        spark.sparkContext().addSparkListener(listener);
        SweepResult r;
        try {
            r = SweepSparkTest.sweep(spark, yaml, dir, null);
        } finally {
            spark.sparkContext().removeSparkListener(listener);
        }
        assertEquals(List.of(TrialStatus.COMPLETED, TrialStatus.COMPLETED, TrialStatus.COMPLETED), r.trials().stream().map(Trial::status).toList());
        assertTrue(mostRunsAtOnce.get() >= 2, "two trials' fits trained at the same time: " + mostRunsAtOnce.get());
        // Spark's UI names each job's trial and epochs (its call site), beside the trainer's own group and description.
        assertTrue(!sites.isEmpty() && sites.stream().allMatch(c -> c.matches("sweep trial \\d: epochs 1-2 .*")), sites.toString());
        // The same configurations as the ASHA sweep's first three trials: the same epochs, whatever ran beside them.
        for (int i = 0; i < 3; i++) {
            List<EpochResult> alone = asha.trials().get(i).epochs();
            List<EpochResult> together = r.trials().get(i).epochs();
            for (int e = 0; e < Math.min(2, alone.size()); e++) {
                assertEquals(alone.get(e).valAccuracy(), together.get(e).valAccuracy(), "trial " + i + " epoch " + (e + 1));
                assertEquals(alone.get(e).trainLoss(), together.get(e).trainLoss(), "trial " + i + " epoch " + (e + 1));
            }
        }
    }

    @Test
    void aWorkerLostMidEpochCostsTheStepInFlight(@TempDir Path dir) throws Exception {
        String yaml = sweep(1, "{name: asha, maxEpochs: 3, reductionFactor: 3, graceEpochs: 1}", "grid(0.1, 0.00003)");
        // Trial 0's second segment (epochs 2-3): one of its two workers is killed as its epoch-3 gang starts.
        Map<Integer, Boolean> target = new ConcurrentHashMap<>();
        List<String> killed = Collections.synchronizedList(new ArrayList<>());
        SweepSparkTest.sweepTwiceTheSame(spark, yaml, dir, undisturbed -> new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart e) {
                String group = e.properties().getProperty("spark.jobGroup.id");
                String site = e.properties().getProperty("callSite.short");
                if (group != null && group.endsWith("-epoch-3") && site != null && site.startsWith("sweep trial 0: epochs 2-3")) {
                    e.stageIds().foreach(id -> target.put((Integer) id, true));
                }
            }

            @Override
            public void onTaskStart(SparkListenerTaskStart e) {
                if (target.containsKey(e.stageId()) && e.taskInfo().index() == 1 && killed.isEmpty()) {
                    killed.add("stage " + e.stageId() + " task " + e.taskInfo().taskId());
                    long task = e.taskInfo().taskId();
                    new Thread(() -> spark.sparkContext().killTaskAttempt(task, true, "test: a worker of trial 0 is lost")).start();
                }
            }
        });
        assertEquals(1, killed.size(), "one worker lost: " + killed);
    }
}
