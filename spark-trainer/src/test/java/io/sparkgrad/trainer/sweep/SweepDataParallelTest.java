package io.sparkgrad.trainer.sweep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.ingest.spark.SerializableConfiguration;
import io.sparkgrad.nn.spec.SavedModel;
import io.sparkgrad.tensor.Tensor;
import io.sparkgrad.trainer.LocalSpark;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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
    static final String ASHA = SweepSparkTest.ASHA.replace("parallelism: 1", "parallelism: 1\n  mode: data-parallel\n  workersPerTrial: 2");

    static SparkSession spark;
    static Path ashaOut;
    static SweepResult asha;
    static String ashaConsole;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        spark = LocalSpark.start("local[4]", "sweep-dp-test");
        ashaOut = dir.resolve("asha");
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        asha = Sweep.builder(spark, SweepConfig.parse(ASHA)).output(ashaOut.toUri().toString())
                .console(new PrintStream(console, true, StandardCharsets.UTF_8)).build().run();
        ashaConsole = console.toString(StandardCharsets.UTF_8);
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    @Test
    void ashaInDataParallelModeStopsTheWorstTrialsAndReportsTheBest() throws Exception {
        SweepSparkTest.assertAshaStoppedTheWorst(asha);
        Trial best = asha.best();
        for (Trial x : asha.trials()) {
            assertTrue(x.last(asha.objective()) <= best.last(asha.objective()), "trial " + x.id() + " beats the best");
        }
        String last = ashaConsole.strip().lines().reduce((a, b) -> b).orElseThrow();
        assertEquals(asha.resultLine(), last);
        assertTrue(last.matches("RESULT sweep trials=6 completed=\\d+ stopped=\\d+ failed=0 epochs_trained=\\d+ best_trial=" + best.id()
                + " best_val_accuracy=0\\.\\d{4} seconds=[0-9.]+ output=\\S+"), last);
        // The trials table and the best model are written as in trial-per-task mode; the model scores the best's accuracy.
        assertEquals(7, Files.readAllLines(ashaOut.resolve("trials.csv")).size());
        SavedModel m = SavedModel.load(ashaOut.resolve("model.safetensors"));
        assertEquals("flatten linear(10)", m.spec().toString());
        TrialConfig tc = TrialConfig.of(best.params(), 7);
        TrialTrainer probe = new TrialTrainer(tc);
        probe.model().loadStateDict(m.module().stateDict(), true);
        assertEquals(best.last(asha.objective()), probe.evaluate(TrialData.of(tc, new Configuration()).validation())[1], 1.0 / 200);
        // Each trial keeps its trainer's checkpoints, the newest two.
        try (var steps = Files.list(ashaOut.resolve("checkpoints/trial-0000"))) {
            assertEquals(DataParallelSegment.KEEP, steps.filter(p -> p.getFileName().toString().startsWith("step-")).count());
        }
    }

    @Test
    void aPromotedTrialContinuesExactlyAsAnUninterruptedFit(@TempDir Path dir) throws Exception {
        Trial promoted = asha.trials().get(0);
        assertEquals(9, promoted.epochs().size());
        List<String> journal = Files.readAllLines(ashaOut.resolve(Sweep.JOURNAL));
        assertEquals(3, journal.stream().filter(l -> l.contains("\"event\":\"segment\"") && l.contains("\"trial\":0,")).count(),
                "trial 0 trained in three segments (to rungs 1 and 3, then to 9)");
        TrialConfig tc = TrialConfig.of(promoted.params(), 7);
        String ckpt = dir.resolve("whole").resolve("epoch-009.safetensors").toUri().toString();
        SegmentResult whole = DataParallelSegment.run(spark, new TrialSegment(0, tc, 0, 9, null, ckpt,
                new SerializableConfiguration(new Configuration())), 2, "uninterrupted");
        assertNull(whole.error());
        assertEquals(promoted.epochs().stream().map(e -> List.of(e.epoch(), e.trainLoss(), e.valLoss(), e.valAccuracy())).toList(),
                whole.epochs().stream().map(e -> List.of(e.epoch(), e.trainLoss(), e.valLoss(), e.valAccuracy())).toList());
        Map<String, Tensor> a = TrialTrainer.weights(new org.apache.hadoop.fs.Path(promoted.checkpoint()), new Configuration());
        Map<String, Tensor> b = TrialTrainer.weights(new org.apache.hadoop.fs.Path(whole.checkpoint()), new Configuration());
        // The trainer's checkpoints name the weights as the trial's model does, so model.safetensors loads them.
        assertEquals(new TrialTrainer(tc).stateDict().keySet(), a.keySet());
        for (String k : a.keySet()) {
            assertArrayEquals(b.get(k).toFloatArray(), a.get(k).toFloatArray(), k + " differs bit for bit");
        }
    }

    @Test
    void aDataParallelTrialStartsFromTheWeightsOfTrialPerTaskMode() {
        TrialConfig tc = TrialConfig.of(Map.of("model", "flatten linear(16) relu linear(10)", "training.seed", 11L), 0);
        float[] replica = DataParallelSegment.replicas(tc.modelSpec(), tc.seed()).create(1).getParameters();
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
        String yaml = SweepSparkTest.ASHA.replace("parallelism: 1", "parallelism: 2\n  mode: data-parallel\n  workersPerTrial: 2")
                .replace("{name: asha, maxEpochs: 9, reductionFactor: 3, graceEpochs: 1}", "{name: none, maxEpochs: 2}")
                .replace("grid(0.1, 0.3, 0.00003, 0.0001, 0.03, 0.00001)", "grid(0.1, 0.3, 0.00003)");
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
            r = Sweep.builder(spark, SweepConfig.parse(yaml)).output(dir.toUri().toString()).console(null).build().run();
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
        String yaml = SweepSparkTest.ASHA.replace("parallelism: 1", "parallelism: 1\n  mode: data-parallel\n  workersPerTrial: 2")
                .replace("{name: asha, maxEpochs: 9, reductionFactor: 3, graceEpochs: 1}", "{name: asha, maxEpochs: 3, reductionFactor: 3, graceEpochs: 1}")
                .replace("grid(0.1, 0.3, 0.00003, 0.0001, 0.03, 0.00001)", "grid(0.1, 0.00003)");
        SweepResult undisturbed = Sweep.builder(spark, SweepConfig.parse(yaml)).output(dir.resolve("undisturbed").toUri().toString())
                .console(null).build().run();
        // Trial 0's second segment (epochs 2-3): one of its two workers is killed as its epoch-3 gang starts.
        Map<Integer, Boolean> target = new ConcurrentHashMap<>();
        List<String> killed = Collections.synchronizedList(new ArrayList<>());
        SparkListener killer = new SparkListener() {
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
        };
        spark.sparkContext().addSparkListener(killer);
        SweepResult disturbed;
        try {
            disturbed = Sweep.builder(spark, SweepConfig.parse(yaml)).output(dir.resolve("disturbed").toUri().toString())
                    .console(null).build().run();
        } finally {
            spark.sparkContext().removeSparkListener(killer);
        }
        assertEquals(1, killed.size(), "one worker lost: " + killed);
        assertEquals(SweepSparkTest.table(undisturbed), SweepSparkTest.table(disturbed));
        assertEquals(undisturbed.epochsTrained(), disturbed.epochsTrained());
        Map<String, Tensor> a = TrialTrainer.weights(new org.apache.hadoop.fs.Path(undisturbed.trials().get(0).checkpoint()), new Configuration());
        Map<String, Tensor> b = TrialTrainer.weights(new org.apache.hadoop.fs.Path(disturbed.trials().get(0).checkpoint()), new Configuration());
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), k);
        }
    }
}
