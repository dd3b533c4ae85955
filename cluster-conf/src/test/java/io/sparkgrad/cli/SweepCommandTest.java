package io.sparkgrad.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.conf.JobConfig;
import io.sparkgrad.conf.JobConfigLoader;
import io.sparkgrad.cli.SparkgradMainTest.Run;
import io.sparkgrad.ingest.testutil.LocalSpark;
import io.sparkgrad.job.JobSpark;
import io.sparkgrad.trainer.sweep.Domain;
import io.sparkgrad.trainer.sweep.Objective;
import io.sparkgrad.trainer.sweep.SchedulerSpec;
import io.sparkgrad.trainer.sweep.SweepConfig;
import io.sparkgrad.trainer.sweep.TrialConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code sparkgrad sweep} end to end on the real MNIST subset of the repository (300 training images, 200 test images
 * for validation): three trials of the logistic model, two epochs each, and the command's errors.
 */
class SweepCommandTest {
    static final String SUBSET = Path.of("..", "data-ingest", "src", "test", "resources", "mnist-subset").toAbsolutePath().toUri().toString();
    static final Pattern RESULT = Pattern.compile("RESULT sweep trials=(\\d+) completed=(\\d+) stopped=(\\d+) failed=(\\d+) "
            + "epochs_trained=(\\d+) best_trial=(\\d+) best_val_accuracy=(\\d\\.\\d{4}) seconds=(\\d+\\.\\d) output=(.+)");

    static final String SWEEP = """
            sweep:
              trials: 3
              search: grid
              seed: 3
              objective: {metric: val_accuracy, mode: max}
              scheduler: {name: none, maxEpochs: 5}
              parallelism: 2
            space:
              model: logistic
              optimizer.lr: grid(0.00001, 0.1, 0.3)
              optimizer.momentum: 0.0
              training.globalBatchSize: 32
              data.split: official
              data.dir: %s
            """.formatted(SUBSET);

    static final String MAX_EPOCHS = "sweep.scheduler.maxEpochs=2";

    @TempDir
    static Path tmp;

    static SparkSession spark;
    static Path sweepFile;
    static Path out;
    static Run sweep;

    @BeforeAll
    static void runASweep() throws Exception {
        // Started the way the job starts its own Spark, so the command finds it running and leaves it so.
        spark = LocalSpark.start("local[2]", "sweep-command-test", JobSpark.sparkConf(
                new JobConfigLoader().set("spark.master=local[2]").load().config(), new SparkConf()));
        sweepFile = Files.writeString(tmp.resolve("sweep.yaml"), SWEEP);
        out = tmp.resolve("sweep-out");
        // The file says 5 epochs; the command line's override makes it 2.
        sweep = SparkgradMainTest.run("sweep", "--config", sweepFile.toString(), "--output", out.toString(), "--set", MAX_EPOCHS);
    }

    @AfterAll
    static void stopSpark() {
        if (spark != null) {
            spark.stop();
        }
    }

    @Test
    void theSweepEndsWithTheResultLineAndWritesItsResults() throws Exception {
        assertEquals(0, sweep.status(), sweep.err() + sweep.out());
        Matcher m = RESULT.matcher(sweep.last());
        assertTrue(m.matches(), "last line: " + sweep.last());
        assertEquals("3", m.group(1));
        assertEquals("3", m.group(2));
        assertEquals("0", m.group(3));
        assertEquals("0", m.group(4));
        assertEquals("6", m.group(5));
        assertEquals(out.toString(), m.group(9));
        for (String f : List.of("journal.jsonl", "trials.csv", "curves.png", "params.png", "model.safetensors", "config.yaml")) {
            assertTrue(Files.isRegularFile(out.resolve(f)) && Files.size(out.resolve(f)) > 0, f);
        }
        assertTrue(Files.isDirectory(out.resolve("trials.parquet")));

        // The reported best is the best row of trials.csv, and its config.yaml is that trial's.
        List<String> csv = Files.readAllLines(out.resolve("trials.csv"));
        assertEquals(4, csv.size(), String.join("\n", csv));
        List<String> header = List.of(csv.get(0).split(","));
        int id = header.indexOf("trial");
        int acc = header.indexOf("objective");
        assertTrue(id >= 0 && acc >= 0, "trials.csv header: " + csv.get(0));
        String[] best = csv.subList(1, 4).stream().map(l -> l.split(","))
                .max((a, b) -> Double.compare(Double.parseDouble(a[acc]), Double.parseDouble(b[acc]))).orElseThrow();
        assertEquals(best[id], m.group(6));
        assertEquals(Double.parseDouble(best[acc]), Double.parseDouble(m.group(7)), 5e-5);
        // lr 1e-5 barely moves the weights: it cannot be the best.
        assertFalse(m.group(6).equals("0"), sweep.last());
        String config = Files.readString(out.resolve("config.yaml"));
        assertTrue(config.contains("  lr: " + (m.group(6).equals("1") ? "0.1" : "0.3") + "\n"), config);
    }

    @Test
    void aFolderWithAJournalNeedsResume() {
        Run again = SparkgradMainTest.run("sweep", "--config", sweepFile.toString(), "--output", out.toString(), "--set", MAX_EPOCHS);
        assertEquals(1, again.status());
        assertTrue(again.err().contains("exists: resume that sweep"), again.err());
        Run other = SparkgradMainTest.run("sweep", "--config", sweepFile.toString(), "--output", out.toString(), "--resume");
        assertEquals(1, other.status());
        assertTrue(other.err().contains("belongs to a different sweep file"), other.err());
        Run resumed = SparkgradMainTest.run("sweep", "--config", sweepFile.toString(), "--output", out.toString(), "--resume",
                "--set", MAX_EPOCHS);
        assertEquals(0, resumed.status(), resumed.err());
        Matcher m = RESULT.matcher(resumed.last());
        assertTrue(m.matches(), resumed.last());
        // Nothing is trained again: the same trials, the same epochs.
        assertEquals("6", m.group(5));
        assertEquals(RESULT.matcher(sweep.last()).replaceAll("$6 $7"), m.replaceAll("$6 $7"));
    }

    @Test
    void errorsInTheSweepFileAreMessagesWithStatus2() throws Exception {
        Path badKey = Files.writeString(tmp.resolve("bad-key.yaml"), "space:\n  optimizer.rate: loguniform(1e-4, 1e-1)\n");
        assertUsageError(SparkgradMainTest.run("sweep", "--config", badKey.toString()), "unknown configuration key 'optimizer.rate'");
        Path badForm = Files.writeString(tmp.resolve("bad-form.yaml"), "space:\n  training.globalBatchSize: uniform(16, 64)\n");
        assertUsageError(SparkgradMainTest.run("sweep", "--config", badForm.toString()), "training.globalBatchSize takes integers");
        Path badScheduler = Files.writeString(tmp.resolve("bad-scheduler.yaml"),
                "sweep:\n  scheduler: {name: hyperband}\nspace:\n  optimizer.lr: 0.1\n");
        assertUsageError(SparkgradMainTest.run("sweep", "--config", badScheduler.toString()), "hyperband");
        assertUsageError(SparkgradMainTest.run("sweep", "--config", sweepFile.toString(), "--set", "sweep.mode=sideways"),
                "sweep.mode 'sideways' is unknown; allowed: trial-per-task, data-parallel");
        assertUsageError(SparkgradMainTest.run("sweep", "--config", sweepFile.toString(), "--set", "sweep.mode=data-parallel",
                "--set", "sweep.workersPerTrial=0"), "sweep.workersPerTrial must be an integer of at least 1, got 0");
        assertUsageError(SparkgradMainTest.run("sweep", "--config", sweepFile.toString(), "--set", "sweep.workersPerTrial=2"),
                "sweep.workersPerTrial applies to sweep.mode data-parallel only");
        // Checked against the running cluster (local[2]: 2 slots) before anything trains.
        assertUsageError(SparkgradMainTest.run("sweep", "--config", sweepFile.toString(), "--output", tmp.resolve("dp-wide").toString(),
                "--set", "sweep.mode=data-parallel", "--set", "sweep.workersPerTrial=3"), "sweep.workersPerTrial 3 is more than the cluster's 2 task slots");
        assertUsageError(SparkgradMainTest.run("sweep", "--config", sweepFile.toString(), "--set", "sweep.scheduler.maxEpochs=0"),
                "sweep.scheduler.maxEpochs must be at least 1");
        assertUsageError(SparkgradMainTest.run("sweep", "--config", tmp.resolve("missing.yaml").toString()), "does not exist");
        assertUsageError(SparkgradMainTest.run("sweep", "--config", sweepFile.toString(), "--resume"), "name it with --output");
        assertUsageError(SparkgradMainTest.run("sweep", "--config", sweepFile.toString(), "--set", "optimizer.lr=0.1"),
                "sweep takes spark.* settings and overrides");
    }

    private static void assertUsageError(Run r, String message) {
        assertEquals(2, r.status(), r.err() + r.out());
        assertTrue(r.err().contains("sparkgrad sweep: ") && r.err().contains(message), r.err());
        assertFalse(r.err().contains("\tat "), "a stack trace: " + r.err());
    }

    @Test
    void theDefaultOutputIsANewTimestampedFolderAndTheMasterOptionReachesSpark() {
        SweepCommand c = new SweepCommand();
        new CommandLine(c).parseArgs("--config", "s.yaml", "--master", "local[3]", "--set", "spark.conf.spark.executor.memory=3g");
        SweepConfig onCpu = SweepConfig.parse(SWEEP);
        JobConfig a = c.jobConfig(onCpu);
        JobConfig b = c.jobConfig(onCpu);
        assertTrue(a.output().outputDir().matches("runs/sweep-\\d{8}-\\d{6}-[0-9a-f]{6}"), a.output().outputDir());
        assertFalse(a.output().outputDir().equals(b.output().outputDir()));
        assertEquals("local[3]", a.spark().master());
        assertEquals("3g", a.spark().conf().get("spark.executor.memory"));
    }

    @Test
    void aGpuSweepRunsTheJobsGpuSettingsAndEachTrialTaskAsksForItsShareOfAGpu() {
        SweepConfig quarter = SweepConfig.parse(SweepConfig.override(SWEEP, List.of("sweep.device=cuda", "sweep.gpuShare=0.25")));
        SweepCommand cluster = new SweepCommand();
        new CommandLine(cluster).parseArgs("--config", "s.yaml", "--master", "spark://head:7077");
        JobConfig job = cluster.jobConfig(quarter);
        assertEquals(io.sparkgrad.conf.DeviceType.CUDA, job.device());
        var settings = io.sparkgrad.conf.SparkSettings.resolve(job);
        assertEquals("0.25", settings.get("spark.task.resource.gpu.amount"), settings.toString());
        assertEquals("1", settings.get("spark.executor.resource.gpu.amount"), settings.toString());

        SweepCommand given = new SweepCommand();
        new CommandLine(given).parseArgs("--config", "s.yaml", "--master", "spark://head:7077",
                "--set", "spark.conf.spark.task.resource.gpu.amount=0.5");
        assertEquals("0.5", given.jobConfig(quarter).spark().conf().get("spark.task.resource.gpu.amount"), "the user's setting wins");

        SweepCommand local = new SweepCommand();
        new CommandLine(local).parseArgs("--config", "s.yaml", "--master", "local[2]");
        assertFalse(io.sparkgrad.conf.SparkSettings.resolve(local.jobConfig(quarter)).containsKey("spark.task.resource.gpu.amount"),
                "local mode has no GPU scheduling");
    }

    @Test
    void aGpuSweepWhereCudaIsUnusableIsAUsageErrorWithTheReason() {
        org.junit.jupiter.api.Assumptions.assumeFalse(io.sparkgrad.cuda.CudaDetection.status().available(), "a usable GPU is here");
        assertUsageError(SparkgradMainTest.run("sweep", "--config", sweepFile.toString(), "--output", tmp.resolve("gpu").toString(),
                "--set", "sweep.device=cuda", "--set", "sweep.gpuShare=0.5"),
                "sweep.device cuda: cannot use device cuda:0: " + io.sparkgrad.cuda.CudaDetection.status().reason());
    }

    @Test
    void theDataParallelModeRunsFromTheCommandLine() {
        // local[2]: two trials at once, each a distributed fit on one worker of its own.
        Run dp = SparkgradMainTest.run("sweep", "--config", sweepFile.toString(), "--output", tmp.resolve("dp").toString(), "--set", MAX_EPOCHS,
                "--set", "sweep.mode=data-parallel", "--set", "sweep.workersPerTrial=1");
        assertEquals(0, dp.status(), dp.err() + dp.out());
        Matcher m = RESULT.matcher(dp.last());
        assertTrue(m.matches(), "last line: " + dp.last());
        assertEquals("trials 3, completed 3, stopped 0, failed 0, epochs 6", m.replaceAll("trials $1, completed $2, stopped $3, failed $4, epochs $5"));
        assertTrue(Files.isRegularFile(tmp.resolve("dp").resolve("model.safetensors")));
        assertTrue(Files.isDirectory(tmp.resolve("dp").resolve("checkpoints").resolve("trial-0002")), "the trainer's checkpoints of each trial");
    }

    @Test
    void theExampleSweepFileIsTheMnistCnnRecipe() throws Exception {
        SweepConfig c = SweepConfig.parse(Files.readString(io.sparkgrad.conf.RepoFiles.root().resolve("examples/sweeps/mnist-cnn.yaml")));
        assertEquals(16, c.trials());
        assertEquals(new SchedulerSpec("asha", 9, 3, 1, 3), c.scheduler());
        assertEquals(2, c.parallelism());
        assertEquals("trial-per-task", c.mode());
        assertEquals(new Objective("val_accuracy", true), c.objective());
        assertEquals(List.of("model", "optimizer.name", "optimizer.lr", "optimizer.schedule", "training.globalBatchSize", "data.split",
                "data.scaling"), List.copyOf(c.space().domains().keySet()));
        assertEquals(new Domain.Fixed("adam"), c.space().domains().get("optimizer.name"));
        assertEquals(new Domain.LogUniform(1e-3, 1e-2), c.space().domains().get("optimizer.lr"));
        assertEquals(new Domain.Choice(List.of(64L, 128L)), c.space().domains().get("training.globalBatchSize"));
        // The schedule spans the scheduler's 9 epochs: every trial is planned for them.
        TrialConfig trial = c.trialConfig(c.searcher().config(0));
        assertEquals("cosine", trial.schedule());
        assertEquals(9, trial.epochs());
        Domain.Choice models = (Domain.Choice) c.space().domains().get("model");
        assertEquals(2, models.values().size());
        for (Object m : models.values()) {
            assertTrue(m.toString().startsWith("conv2d(16, 3, padding=1) batchnorm2d relu maxpool2d(2)"), m.toString());
        }
    }
}
