package io.sparkgrad.trainer.sweep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.TaskKilled;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sweeps on local Spark over the real MNIST subset of the repository (300 training images, 200 test images used for
 * validation), with the tutorial's logistic regression so that each test takes seconds.
 *
 * <p>The ASHA sweep runs one trial at a time ({@code parallelism: 1}), so its decisions are deterministic and a
 * resumed run can be compared with the original; the NaN sweep runs two at once.
 */
class SweepSparkTest {
    static final String SUBSET = Path.of("..", "data-ingest", "src", "test", "resources", "mnist-subset").toAbsolutePath().toUri().toString();

    /** Learning rates: two good ones first, so that the tiny ones meet strong results at the first rung. */
    static final String ASHA = """
            sweep:
              search: grid
              seed: 7
              objective: {metric: val_accuracy, mode: max}
              scheduler: {name: asha, maxEpochs: 9, reductionFactor: 3, graceEpochs: 1}
              parallelism: 1
            space:
              optimizer.lr: grid(0.1, 0.3, 0.00003, 0.0001, 0.03, 0.00001)
              optimizer.momentum: 0.0
              model: logistic
              training.globalBatchSize: 32
              data.split: official
              data.dir: %s
            """.formatted(SUBSET);

    static SparkSession spark;
    static Path ashaOut;
    static SweepResult asha;
    static String ashaConsole;
    static int loadsBefore;
    static int loadsAfter;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        spark = LocalSpark.start("local[2]", "sweep-test");
        ashaOut = dir.resolve("asha");
        loadsBefore = TrialData.loads();
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        asha = sweep(spark, ASHA, ashaOut, console);
        loadsAfter = TrialData.loads();
        ashaConsole = console.toString(StandardCharsets.UTF_8);
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    @Test
    void ashaStopsTheWorstTrialsEarly() {
        assertAshaStoppedTheWorst(asha);
        // Each executor JVM (here: the one local JVM) read the data once for all six trials.
        assertTrue(loadsAfter - loadsBefore <= 1, "data read " + (loadsAfter - loadsBefore) + " times");
    }

    /**
     * The {@link #ASHA} sweep's decisions: the first trial completes, the tiny learning rates stop at the first rung, and
     * every stopped trial was behind an earlier result at its rung.
     */
    static void assertAshaStoppedTheWorst(SweepResult asha) {
        List<Trial> t = asha.trials();
        assertEquals(6, t.size());
        // The first trial meets no earlier result at any rung: it trains all 9 epochs.
        assertEquals(TrialStatus.COMPLETED, t.get(0).status());
        assertEquals(9, t.get(0).epochs().size());
        // The three tiny learning rates are far behind at the first rung: stopped after 1 epoch.
        for (int i : new int[] {2, 3, 5}) {
            assertEquals(TrialStatus.STOPPED, t.get(i).status(), "trial " + i);
            assertEquals(1, t.get(i).epochs().size(), "trial " + i);
        }
        int total = 0;
        for (Trial x : t) {
            int e = x.epochs().size();
            total += e;
            assertTrue(x.status() == TrialStatus.COMPLETED ? e == 9 : x.status() == TrialStatus.STOPPED && (e == 1 || e == 3),
                    "trial " + x.id() + " " + x.status() + " after " + e + " epochs");
            // Every stopped trial was below the best result its rung had seen before it.
            if (x.status() == TrialStatus.STOPPED) {
                double mine = x.last(asha.objective());
                boolean beaten = t.subList(0, x.id()).stream()
                        .anyMatch(y -> y.epochs().size() >= e && y.epochs().get(e - 1).valAccuracy() > mine);
                assertTrue(beaten, "trial " + x.id() + " was stopped at epoch " + e + " without a better earlier result");
            }
        }
        assertEquals(total, asha.epochsTrained());
        assertEquals(total, asha.epochsNow());
        assertTrue(total <= 9 * 3 + 3, "ASHA trained " + total + " epochs of 54");
    }

    @Test
    void theReportedBestIsTheBestAndItsModelIsSaved() throws Exception {
        assertTheBestIsReported(asha, ashaOut, ashaConsole, 0);
        Trial best = asha.best();
        // The table read back from Parquet and CSV agrees.
        List<Row> rows = spark.read().parquet(ashaOut.resolve("trials.parquet").toString()).orderBy("trial").collectAsList();
        assertEquals(6, rows.size());
        Row top = rows.stream().max((a, b) -> Double.compare(a.getDouble(a.fieldIndex("objective")), b.getDouble(b.fieldIndex("objective")))).orElseThrow();
        assertEquals(best.id(), top.getInt(top.fieldIndex("trial")));
        for (Row r : rows) {
            Trial x = asha.trials().get(r.getInt(r.fieldIndex("trial")));
            assertEquals(x.status().label(), r.getString(r.fieldIndex("status")));
            assertEquals(x.epochs().size(), r.getInt(r.fieldIndex("epochs_trained")));
            assertEquals(((Number) x.params().get("optimizer.lr")).doubleValue(), r.getDouble(r.fieldIndex("optimizer_lr")));
            assertEquals(32L, r.getLong(r.fieldIndex("training_globalBatchSize")));
            assertEquals(x.epochs().get(0).valAccuracy(), r.getDouble(r.fieldIndex("val_accuracy_e1")));
            assertEquals(x.epochs().size() >= 2, !r.isNullAt(r.fieldIndex("val_accuracy_e2")));
        }
        List<String> csv = Files.readAllLines(ashaOut.resolve("trials.csv"));
        assertEquals(7, csv.size());
        assertTrue(csv.get(0).startsWith("trial,status,epochs_trained,seconds,objective,error,optimizer_lr"), csv.get(0));
        String yaml = Files.readString(ashaOut.resolve("config.yaml"));
        assertTrue(yaml.contains("lr: " + best.params().get("optimizer.lr")), yaml);
        for (String png : List.of("curves.png", "params.png")) {
            byte[] b = Files.readAllBytes(ashaOut.resolve(png));
            assertTrue(b.length > 5000 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G', png);
        }
        assertTrue(ashaConsole.contains("| best trial "), ashaConsole);
        assertTrue(ashaConsole.contains("| ETA ~"), ashaConsole);
        assertTrue(ashaConsole.lines().anyMatch(l -> l.startsWith("sweep 6/6 | running 0 | completed " + asha.count(TrialStatus.COMPLETED)
                + " | stopped " + asha.count(TrialStatus.STOPPED) + " | failed 0")), ashaConsole);
    }

    /**
     * The best trial of an {@link #ASHA} sweep (6 trials, the logistic model) is the best of all, {@code model.safetensors}
     * holds its weights (they score its reported accuracy, within {@code tolerance}), and the console's last line is
     * the RESULT line.
     */
    static void assertTheBestIsReported(SweepResult r, Path out, String console, double tolerance) throws java.io.IOException {
        Trial best = r.best();
        for (Trial x : r.trials()) {
            assertTrue(x.last(r.objective()) <= best.last(r.objective()), "trial " + x.id() + " beats the best");
        }
        SavedModel m = SavedModel.load(out.resolve("model.safetensors"));
        assertEquals("flatten linear(10)", m.spec().toString());
        TrialConfig tc = TrialConfig.of(best.params(), 7);
        TrialTrainer probe = new TrialTrainer(tc);
        probe.model().loadStateDict(m.module().stateDict(), true);
        assertEquals(best.last(r.objective()), probe.evaluate(TrialData.of(tc, new Configuration()).validation())[1], tolerance);
        String last = console.strip().lines().reduce((a, b) -> b).orElseThrow();
        assertEquals(r.resultLine(), last);
        assertTrue(last.matches("RESULT sweep trials=6 completed=\\d+ stopped=\\d+ failed=0 epochs_trained=\\d+ best_trial=" + best.id()
                + " best_val_accuracy=0\\.\\d{4} seconds=[0-9.]+ output=\\S+"), last);
    }

    /** A sweep of {@code yaml} into {@code out}, its console lines into {@code console} (null: none). */
    static SweepResult sweep(SparkSession spark, String yaml, Path out, ByteArrayOutputStream console) throws java.io.IOException {
        return Sweep.builder(spark, SweepConfig.parse(yaml)).output(out.toUri().toString())
                .console(console == null ? null : new PrintStream(console, true, StandardCharsets.UTF_8)).build().run();
    }

    /** A sweep's result, its folder and what it printed. */
    record Ran(SweepResult result, Path out, String console) {
        static Ran of(SparkSession spark, String yaml, Path out) throws java.io.IOException {
            ByteArrayOutputStream console = new ByteArrayOutputStream();
            SweepResult r = sweep(spark, yaml, out, console);
            return new Ran(r, out, console.toString(StandardCharsets.UTF_8));
        }
    }

    /** The model weights of two checkpoints are equal bit for bit. */
    static void assertSameWeights(String expected, String actual) throws java.io.IOException {
        Map<String, Tensor> a = TrialTrainer.weights(new org.apache.hadoop.fs.Path(expected), new Configuration());
        Map<String, Tensor> b = TrialTrainer.weights(new org.apache.hadoop.fs.Path(actual), new Configuration());
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), k + " differs bit for bit");
        }
    }

    @Test
    void aPromotedTrialContinuesExactlyAsAnUninterruptedRun(@TempDir Path dir) throws Exception {
        Trial promoted = asha.trials().get(0);
        assertEquals(9, promoted.epochs().size());
        // It was trained in three segments (rungs 1 and 3, then 9), each restored from the previous checkpoint.
        assertTrue(Files.exists(ashaOut.resolve("checkpoints/trial-0000/epoch-001.safetensors")));
        assertTrue(Files.exists(ashaOut.resolve("checkpoints/trial-0000/epoch-003.safetensors")));
        TrialConfig tc = TrialConfig.of(promoted.params(), 7);
        String whole = dir.resolve("whole.safetensors").toUri().toString();
        SegmentResult r = new TrialSegment(0, tc, 0, 9, null, whole, new SerializableConfiguration(new Configuration())).run(1);
        assertNull(r.error());
        assertEquals(promoted.epochs().stream().map(e -> e.valAccuracy()).toList(), r.epochs().stream().map(e -> e.valAccuracy()).toList());
        assertEquals(promoted.epochs().stream().map(e -> e.trainLoss()).toList(), r.epochs().stream().map(e -> e.trainLoss()).toList());
        assertSameWeights(whole, promoted.checkpoint());
    }

    @Test
    void aResumedFinishedSweepTrainsNothing() throws Exception {
        SweepResult again = Sweep.builder(spark, SweepConfig.parse(ASHA)).output(ashaOut.toUri().toString()).resume(true).console(null).build().run();
        assertEquals(0, again.epochsNow());
        assertEquals(asha.epochsTrained(), again.epochsTrained());
        assertEquals(table(asha), table(again));
        assertEquals(asha.best().id(), again.best().id());
        // The journal protects the folder: no silent restart over it, no resume with another sweep file.
        java.io.IOException exists = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> Sweep.builder(spark,
                SweepConfig.parse(ASHA)).output(ashaOut.toUri().toString()).console(null).build().run());
        assertTrue(exists.getMessage().contains("exists: resume that sweep"), exists.getMessage());
        java.io.IOException other = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> Sweep.builder(spark,
                SweepConfig.parse(ASHA.replace("seed: 7", "seed: 8"))).output(ashaOut.toUri().toString()).resume(true).console(null).build().run());
        assertTrue(other.getMessage().contains("belongs to a different sweep file"), other.getMessage());
        SweepConfigException dp = org.junit.jupiter.api.Assertions.assertThrows(SweepConfigException.class, () -> Sweep.builder(spark,
                SweepConfig.parse(ASHA.replace("parallelism: 1", "parallelism: 1\n  mode: data-parallel\n  workersPerTrial: 3")))
                .output(ashaOut.toUri().toString()).build());
        assertTrue(dp.getMessage().contains("sweep.workersPerTrial 3 is more than the cluster's 2 task slots"), dp.getMessage());
    }

    @Test
    void aSweepResumedAfterAKillMidRungFinishesWithTheSameTable(@TempDir Path dir) throws Exception {
        // The journal as a driver killed while trial 0, promoted at its first rung, trained towards the second.
        List<String> journal = Files.readAllLines(ashaOut.resolve(Sweep.JOURNAL));
        int cut = 0;
        for (int i = 0; i < journal.size() && cut == 0; i++) {
            if (journal.get(i).contains("\"event\":\"segment\"")) {
                assertTrue(journal.get(i).contains("\"action\":\"continue\""), journal.get(i));
                cut = i + 1;
            }
        }
        assertTrue(cut > 0);
        Files.createDirectories(dir.resolve("killed"));
        Files.write(dir.resolve("killed").resolve(Sweep.JOURNAL), journal.subList(0, cut));
        int trainedBefore = 0;
        for (String line : journal.subList(0, cut)) {
            trainedBefore += line.split("\"epoch\":", -1).length - 1;
        }
        SweepResult resumed = Sweep.builder(spark, SweepConfig.parse(ASHA)).output(dir.resolve("killed").toUri().toString()).resume(true)
                .console(null).build().run();
        assertEquals(table(asha), table(resumed));
        assertEquals(asha.epochsTrained() - trainedBefore, resumed.epochsNow());
    }

    @Test
    void aNanTrialIsMarkedFailedAndTheSweepFinishes(@TempDir Path dir) throws Exception {
        String yaml = """
                sweep:
                  search: grid
                  scheduler: {name: none, maxEpochs: 2}
                  parallelism: 2
                space:
                  optimizer.lr: grid(0.05, 1e38, 0.1)
                  optimizer.momentum: 0.9
                  model: logistic
                  training.globalBatchSize: 50
                  data.split: official
                  data.dir: %s
                """.formatted(SUBSET);
        List<String> descriptions = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        org.apache.spark.scheduler.SparkListener listener = new org.apache.spark.scheduler.SparkListener() {
            @Override
            public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart e) {
                String d = e.properties().getProperty("spark.job.description");
                if (d != null) {
                    descriptions.add(d);
                }
            }
        };
        spark.sparkContext().addSparkListener(listener);
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        SweepResult r = Sweep.builder(spark, SweepConfig.parse(yaml)).output(dir.toUri().toString())
                .console(new PrintStream(console, true, StandardCharsets.UTF_8)).build().run();
        assertEquals(List.of(TrialStatus.COMPLETED, TrialStatus.FAILED, TrialStatus.COMPLETED), r.trials().stream().map(Trial::status).toList());
        Trial nan = r.trials().get(1);
        assertTrue(nan.error().contains("training loss is") && nan.error().contains("lower optimizer.lr"), nan.error());
        assertNull(nan.checkpoint());
        assertEquals(2, r.trials().get(0).epochs().size());
        assertNotNull(r.best());
        assertTrue(r.resultLine().contains("trials=3 completed=2 stopped=0 failed=1"), r.resultLine());
        assertTrue(console.toString(StandardCharsets.UTF_8).contains("failed 1"));
        Row failed = r.table().filter("trial = 1").first();
        assertEquals("failed", failed.getString(failed.fieldIndex("status")));
        assertTrue(failed.getString(failed.fieldIndex("error")).contains("lower optimizer.lr"));
        spark.sparkContext().removeSparkListener(listener);
        // Spark's job descriptions name the trial and its epochs.
        for (int i = 0; i < 3; i++) {
            String want = "sweep trial " + i + ": epochs 1-2";
            assertTrue(descriptions.stream().anyMatch(d -> d.startsWith(want)), want + " not in " + descriptions);
        }
    }

    @Test
    void aTaskLostMidRungCostsThatRungOnly(@TempDir Path dir) throws Exception {
        // The tutorial CNN, so that a rung lasts long enough to lose its task in the middle: trial 0 trains to rung 1,
        // to rung 2, then epochs 3-4, whose task is killed in the middle (as when its executor is lost) and relaunched by Spark.
        String yaml = """
                sweep:
                  search: grid
                  seed: 7
                  scheduler: {name: asha, maxEpochs: 4, reductionFactor: 2, graceEpochs: 1}
                  parallelism: 1
                space:
                  optimizer.lr: grid(0.1, 0.00001)
                  model: tutorial-cnn
                  training.globalBatchSize: 32
                  data.split: official
                  data.dir: %s
                """.formatted(SUBSET);
        String target = "sweep trial 0: epochs 3-4";
        Map<Integer, String> stageJob = new ConcurrentHashMap<>();
        Map<String, Integer> launched = new ConcurrentHashMap<>();
        List<String> killed = Collections.synchronizedList(new ArrayList<>());
        double[] rungSeconds = new double[1];
        SweepResult disturbed = sweepTwiceTheSame(spark, yaml, dir, undisturbed -> {
            rungSeconds[0] = undisturbed.trials().get(0).epochs().subList(2, 4).stream().mapToDouble(EpochResult::seconds).sum();
            // A quarter into the rung, during epoch 3: the task stops at the end of that epoch, its work lost.
            long killAfterMillis = (long) (250 * rungSeconds[0]);
            return new SparkListener() {
                @Override
                public void onJobStart(SparkListenerJobStart e) {
                    String d = e.properties().getProperty("spark.job.description");
                    e.stageIds().foreach(id -> stageJob.put((Integer) id, d == null ? "" : d));
                }

                @Override
                public void onTaskStart(SparkListenerTaskStart e) {
                    String d = stageJob.getOrDefault(e.stageId(), "");
                    launched.merge(d, 1, Integer::sum);
                    if (d.startsWith(target) && e.taskInfo().attemptNumber() == 0) {
                        long task = e.taskInfo().taskId();
                        new Thread(() -> {
                            try {
                                Thread.sleep(killAfterMillis);
                            } catch (InterruptedException ex) {
                                return;
                            }
                            spark.sparkContext().killTaskAttempt(task, true, "test: the executor running " + target + " is lost");
                        }).start();
                    }
                }

                @Override
                public void onTaskEnd(SparkListenerTaskEnd e) {
                    if (e.reason() instanceof TaskKilled k) {
                        killed.add(stageJob.get(e.stageId()) + " after " + e.taskInfo().duration() + " ms: " + k.reason());
                    }
                }
            };
        });
        assertEquals(1, killed.size(), "one task lost: " + killed + " (the rung took " + rungSeconds[0] + " s undisturbed)");
        assertTrue(killed.get(0).startsWith(target), killed.get(0));
        // Spark relaunched that segment's task, which restarted from the checkpoint of rung 2; every other segment ran once.
        launched.forEach((d, n) -> assertEquals(d.startsWith(target) ? 2 : 1, n, d + " ran " + n + " times; " + killed));
        assertEquals(TrialStatus.COMPLETED, disturbed.trials().get(0).status());
        System.out.println("killed: " + killed + "; the rung took " + rungSeconds[0] + " s undisturbed");
    }

    /**
     * Runs {@code yaml} undisturbed, then again with the listener {@code disturber} makes of the undisturbed result, and
     * asserts that both give the same trials table, count the same epochs and leave trial 0 with the same weights.
     *
     * @return the disturbed sweep's result
     */
    static SweepResult sweepTwiceTheSame(SparkSession spark, String yaml, Path dir, java.util.function.Function<SweepResult, SparkListener> disturber)
            throws java.io.IOException {
        SweepResult undisturbed = sweep(spark, yaml, dir.resolve("undisturbed"), null);
        SparkListener listener = disturber.apply(undisturbed);
        spark.sparkContext().addSparkListener(listener);
        SweepResult disturbed;
        try {
            disturbed = sweep(spark, yaml, dir.resolve("disturbed"), null);
        } finally {
            spark.sparkContext().removeSparkListener(listener);
        }
        assertEquals(table(undisturbed), table(disturbed));
        assertEquals(undisturbed.epochsTrained(), disturbed.epochsTrained(), "the journal counts a lost segment once");
        assertSameWeights(undisturbed.trials().get(0).checkpoint(), disturbed.trials().get(0).checkpoint());
        return disturbed;
    }

    /** Trial, status, epochs and every epoch's metrics: what must not change between runs. */
    static List<String> table(SweepResult r) {
        return r.trials().stream().map(t -> t.id() + " " + t.status() + " " + t.epochs().stream()
                .map(e -> e.epoch() + ":" + e.trainLoss() + "/" + e.valLoss() + "/" + e.valAccuracy()).collect(Collectors.joining(",")))
                .toList();
    }
}
