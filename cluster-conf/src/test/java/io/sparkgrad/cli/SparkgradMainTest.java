package io.sparkgrad.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.sparkgrad.conf.JobConfigLoader;
import io.sparkgrad.cuda.CudaDetection;
import io.sparkgrad.cuda.CudaStatus;
import io.sparkgrad.conf.SubmitCommand;
import io.sparkgrad.ingest.mnist.MnistCache;
import io.sparkgrad.ingest.mnist.MnistFile;
import io.sparkgrad.ingest.testutil.LocalSpark;
import io.sparkgrad.job.JobResult;
import io.sparkgrad.job.JobSpark;
import io.sparkgrad.job.PredictionsCsv;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
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
 * The {@code sparkgrad} command line: each subcommand's happy path and its errors. One small training run (the
 * logistic model, one epoch on 2,000 images) makes the model that {@code evaluate} and {@code predict} then read.
 */
class SparkgradMainTest {
    static final String LIMIT = "data.limit=2000";
    static final Pattern EVALUATE_RESULT = Pattern.compile(
            "RESULT test_accuracy=(\\d\\.\\d{4}) test_loss=(\\d+\\.\\d{4}) samples=(\\d+) model=(.+)");

    @TempDir
    static Path tmp;

    static SparkSession spark;
    static Run train;
    static Path runDir;

    /** Runs {@code args}, which must fail with status 1 and an error message that contains {@code expectedError}. */
    static void assertFails(String expectedError, String... args) {
        Run r = run(args);
        assertEquals(1, r.status(), r.out());
        assertTrue(r.err().contains(expectedError), r.err());
    }

    record Run(int status, String out, String err) {
        List<String> lines() {
            return out.lines().toList();
        }

        String last() {
            List<String> l = lines();
            return l.isEmpty() ? "" : l.get(l.size() - 1);
        }
    }

    /**
     * Runs {@code sparkgrad args}, capturing the console (System.out and System.err, where jobs and the data-ingest
     * commands print) and picocli's own streams. The console is swapped before the command line is made: picocli
     * drops writers set with setOut/setErr when System.out changes after they were set.
     */
    static synchronized Run run(String... args) {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        ByteArrayOutputStream consoleErr = new ByteArrayOutputStream();
        StringWriter cliOut = new StringWriter();
        StringWriter cliErr = new StringWriter();
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        int status;
        try (PrintStream out = new PrintStream(console, true, StandardCharsets.UTF_8);
             PrintStream err = new PrintStream(consoleErr, true, StandardCharsets.UTF_8)) {
            System.setOut(out);
            System.setErr(err);
            CommandLine cli = SparkgradMain.commandLine();
            cli.setOut(new PrintWriter(cliOut, true));
            cli.setErr(new PrintWriter(cliErr, true));
            status = cli.execute(args);
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
        return new Run(status, console.toString(StandardCharsets.UTF_8) + cliOut,
                consoleErr.toString(StandardCharsets.UTF_8) + cliErr);
    }

    @BeforeAll
    static void trainASmallModel() {
        // Started the way the job starts its own Spark, so the job and the CLI find it running and leave it so.
        spark = LocalSpark.start("local[2]", "sparkgrad-cli-test", JobSpark.sparkConf(
                new JobConfigLoader().set("spark.master=local[2]").load().config(), new SparkConf()));
        runDir = tmp.resolve("run");
        train = run("train", "--set", "model.name=logistic", "--set", "optimizer.name=sgd", "--set", "optimizer.lr=0.5",
                "--set", "optimizer.schedule=constant",
                "--set", "training.globalBatchSize=64", "--set", "training.epochs=1", "--set", LIMIT,
                "--set", "output.outputDir=" + runDir);
    }

    @AfterAll
    static void stopSpark() {
        if (spark != null) {
            spark.stop();
        }
    }

    private static String model() {
        return runDir.resolve("model.safetensors").toString();
    }

    @Test
    void trainRunsTheJobAndEndsWithTheResultLine() {
        assertEquals(0, train.status(), train.err() + train.out());
        Matcher m = JobResult.parse(train.last());
        assertEquals("1", m.group(3));
        assertEquals(runDir.toString(), m.group(5));
        assertTrue(Double.parseDouble(m.group(1)) > 0.7, "logistic regression after 31 steps: " + train.last());
        assertTrue(Files.isRegularFile(Path.of(model())));
    }

    @Test
    void theStagePerStepTransportTakesTheSameSteps() {
        Run r = run("train", "--set", "model.name=logistic", "--set", "optimizer.name=sgd", "--set", "optimizer.lr=0.5",
                "--set", "optimizer.schedule=constant",
                "--set", "training.globalBatchSize=64", "--set", "training.epochs=1", "--set", LIMIT,
                "--set", "training.transport=stage", "--set", "output.outputDir=" + tmp.resolve("stage"));
        assertEquals(0, r.status(), r.err() + r.out());
        assertTrue(r.out().contains("2 workers, stage transport"), r.out());
        Matcher stage = JobResult.parse(r.last());
        Matcher barrier = JobResult.parse(train.last());
        assertEquals(barrier.group(1), stage.group(1), "test accuracy");
        assertEquals(barrier.group(2), stage.group(2), "test loss");
    }

    @Test
    void resumeContinuesFromTheNewestCheckpoint() throws Exception {
        Path copy = tmp.resolve("resumed");
        try (var files = Files.walk(runDir)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(runDir.relativize(f).toString()));
            }
        }
        Run r = run("train", "--resume", "--set", "model.name=logistic", "--set", "optimizer.name=sgd", "--set", "optimizer.lr=0.5",
                "--set", "optimizer.schedule=constant",
                "--set", "training.globalBatchSize=64", "--set", "training.epochs=2", "--set", LIMIT,
                "--set", "output.outputDir=" + copy);
        assertEquals(0, r.status(), r.err() + r.out());
        assertEquals("2", JobResult.parse(r.last()).group(3));
        assertTrue(r.lines().stream().noneMatch(l -> l.startsWith("epoch 1/2")), "epoch 1 came from the checkpoint:\n" + r.out());
        assertTrue(r.lines().stream().anyMatch(l -> l.startsWith("epoch 2/2  train loss")), r.out());

        // A cosine schedule spans the run: resuming with another schedule (or, with cosine, another length) would
        // not continue the same trajectory, and is refused with both configurations.
        Path other = tmp.resolve("resumed-cosine");
        try (var files = Files.walk(runDir)) {
            for (Path f : files.toList()) {
                Files.copy(f, other.resolve(runDir.relativize(f).toString()));
            }
        }
        Run cosine = run("train", "--resume", "--set", "model.name=logistic", "--set", "optimizer.name=sgd", "--set", "optimizer.lr=0.5",
                "--set", "training.globalBatchSize=64", "--set", "training.epochs=2", "--set", LIMIT,
                "--set", "output.outputDir=" + other);
        assertEquals(1, cosine.status(), cosine.out());
        assertTrue(cosine.err().contains("cannot resume from") && cosine.err().contains("optimizer.lr_schedule: checkpoint absent, this run {")
                && cosine.err().contains("\"name\":\"cosine_annealing\""), cosine.err());

        assertFails("--resume continues a run in its folder: name it with --set output.outputDir=...", "train", "--resume", "--set",
                LIMIT);
    }

    /** device=cuda where CUDA is not usable fails at once with the detection's reason: no silent CPU run. */
    @Test
    void aGpuThatIsNotThereIsAClearError() {
        CudaStatus cuda = CudaDetection.status();
        assumeFalse(cuda.available(), "this host has a usable GPU, so device=cuda trains on it");
        assertFails("sparkgrad train: cannot use device cuda:0: " + cuda.reason(), "train", "--set", "device=cuda", "--set",
                "output.outputDir=" + tmp.resolve("gpu"));
    }

    @Test
    void evaluateGivesTheAccuracyTheTrainingRunReported() {
        Run r = run("evaluate", "-m", model(), "--set", LIMIT);
        assertEquals(0, r.status(), r.err());
        Matcher m = EVALUATE_RESULT.matcher(r.last());
        assertTrue(m.matches(), r.last());
        Matcher t = JobResult.parse(train.last());
        assertEquals(t.group(1), m.group(1), "test accuracy");
        assertEquals(t.group(2), m.group(2), "test loss");
        assertEquals("2000", m.group(3));
        assertEquals(model(), m.group(4));
    }

    @Test
    void predictWritesOneCsvLinePerImageWithProbabilities() throws Exception {
        Path csv = tmp.resolve("predictions.csv");
        Run r = run("predict", "-m", model(), "--out", csv.toString(), "--set", LIMIT);
        assertEquals(0, r.status(), r.err());
        List<String> lines = Files.readAllLines(csv);
        assertEquals(PredictionsCsv.header(10), lines.get(0));
        assertEquals(2001, lines.size());
        long correct = 0;
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split(",", -1);
            assertEquals(13, f.length, lines.get(i));
            assertEquals(i - 1, Integer.parseInt(f[0]));
            int prediction = Integer.parseInt(f[2]);
            double sum = 0;
            int argmax = 0;
            for (int c = 0; c < 10; c++) {
                double p = Double.parseDouble(f[3 + c]);
                sum += p;
                argmax = p > Double.parseDouble(f[3 + argmax]) ? c : argmax;
            }
            assertEquals(1.0, sum, 1e-4, "probabilities sum to one: " + lines.get(i));
            assertEquals(argmax, prediction, lines.get(i));
            correct += Integer.parseInt(f[1]) == prediction ? 1 : 0;
        }
        String accuracy = JobResult.parse(train.last()).group(1);
        assertEquals(String.format(java.util.Locale.ROOT, "%.4f", correct / 2000.0), accuracy);
        assertEquals("RESULT predictions=2000 accuracy=" + accuracy + " output=" + csv, r.last());
    }

    @Test
    void predictTakesUnlabelledIdxImages() throws Exception {
        Path images = tmp.resolve("few-images-idx3-ubyte");
        try (InputStream in = Files.newInputStream(MnistCache.defaultDir().resolve(MnistFile.TEST_IMAGES.fileName()));
             DataOutputStream out = new DataOutputStream(Files.newOutputStream(images))) {
            in.skipNBytes(16);
            out.writeInt(0x00000803);
            out.writeInt(25);
            out.writeInt(28);
            out.writeInt(28);
            out.write(in.readNBytes(25 * 784));
        }
        Path csv = tmp.resolve("few.csv");
        Run r = run("predict", "-m", model(), "--data", images.toString(), "--out", csv.toString());
        assertEquals(0, r.status(), r.err());
        List<String> lines = Files.readAllLines(csv);
        assertEquals(26, lines.size());
        assertTrue(lines.get(1).startsWith("0,,"), "no label: " + lines.get(1));
        assertEquals("RESULT predictions=25 accuracy=NaN output=" + csv, r.last());
    }

    @Test
    void convertThenEvaluateOnParquetMatchesIdx() {
        Path parquet = tmp.resolve("test.parquet");
        Path dir = MnistCache.defaultDir();
        // As a Spark job (a folder of part files). The local converter's Parquet writer keeps references to its reused
        // read buffer (data-ingest's MnistParquetWriter), which scrambles the first 1,024 images of a file.
        Run c = run("convert", "--from", "idx", "--images", dir.resolve(MnistFile.TEST_IMAGES.fileName()).toString(),
                "--labels", dir.resolve(MnistFile.TEST_LABELS.fileName()).toString(), "--to", "parquet", "--out", parquet.toString(),
                "--spark", "--partitions", "3");
        assertEquals(0, c.status(), c.err());
        assertTrue(c.out().contains("converted 10000 images from IDX to PARQUET"), c.out());
        Run r = run("evaluate", "-m", model(), "--data", parquet.toString(), "--set", LIMIT);
        assertEquals(0, r.status(), r.err());
        Matcher m = EVALUATE_RESULT.matcher(r.last());
        assertTrue(m.matches(), r.last());
        assertEquals(JobResult.parse(train.last()).group(1), m.group(1), "the same 2,000 test images, read from Parquet");
    }

    @Test
    void downloadReportsTheCacheFolderAndWhatIsMissing() throws Exception {
        Run ok = run("download", "--offline");
        assertEquals(0, ok.status(), ok.err());
        assertEquals(MnistCache.defaultDir().toString(), ok.last());
        Path empty = Files.createDirectories(tmp.resolve("empty-cache"));
        assertFails(MnistFile.TRAIN_IMAGES.fileName(), "download", "--offline", "--cache-dir", empty.toString());
    }

    @Test
    void aConfigurationErrorExitsWithTwoAndNamesTheKey() {
        Run r = run("train", "--set", "training.epochs=0", "--set", "optimizer.lrr=1");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("training.epochs"), r.err());
        assertTrue(r.err().contains("did you mean optimizer.lr?"), r.err());
        assertTrue(r.out().isEmpty(), "nothing ran: " + r.out());
    }

    @Test
    void missingDataExitsWithOneAndNamesTheKeyAndPath() {
        Path nowhere = tmp.resolve("no-such-data");
        assertFails("sparkgrad train: data.train: " + nowhere + " does not exist", "train", "--set", "data.train=" + nowhere,
                "--set", "data.test=mnist", "--set", "output.outputDir=" + tmp.resolve("never"));
    }

    @Test
    void moreWorkersThanTheEmbeddedMasterRunsIsRefusedWithWhatToChange() {
        assertFails("training.workers is 3 but the embedded master local[2] runs 2 tasks at once", "train", "--set",
                "training.workers=3", "--set", "output.outputDir=" + tmp.resolve("three"));
    }

    @Test
    void submitCommandsRunThisCommandLineByDefault() {
        assertEquals(SparkgradMain.class.getName(), SubmitCommand.DEFAULT_MAIN_CLASS);
    }

    @Test
    void aModelFileForAnotherModelNamesTheTensorsThatDoNotFit() {
        Run r = run("evaluate", "-m", model(), "--model", "mnist-cnn", "--set", LIMIT);
        assertEquals(1, r.status(), r.out());
        assertTrue(r.err().contains("the model file " + model() + " does not fit the model mnist-cnn"), r.err());
        assertTrue(r.err().contains("Missing key(s) in state_dict"), r.err());
        assertFails("unknown model 'resnet'", "evaluate", "-m", model(), "--model", "resnet");
    }

    @Test
    void aMissingModelFileIsNamed() {
        String missing = tmp.resolve("nope.safetensors").toString();
        assertFails("model file " + missing + " does not exist", "evaluate", "-m", missing);
        assertFails("model file " + missing + " does not exist", "predict", "-m", missing, "--out", tmp.resolve("x.csv").toString());
    }

    @Test
    void requiredOptionsAreUsageErrors() {
        Run r = run("evaluate");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("Missing required option: '--model-file=FILE'"), r.err());
        Run p = run("predict", "-m", model());
        assertEquals(2, p.status());
        assertTrue(p.err().contains("Missing required option: '--out=CSV'"), p.err());
        Run c = run("convert", "--from", "idx");
        assertEquals(2, c.status());
        Run bad = run("evaluate", "-m", model(), "--scaling", "div100");
        assertEquals(2, bad.status());
        assertTrue(bad.err().contains("div100"), bad.err());
    }

    @Test
    void helpExplainsEverySubcommandAndOption() {
        Run top = run("--help");
        assertEquals(0, top.status());
        for (String s : List.of("train", "evaluate", "predict", "download", "convert", "config", "submit-command")) {
            assertTrue(Pattern.compile("(?m)^\\s+" + Pattern.quote(s) + "\\s+\\S").matcher(top.out()).find(),
                    s + " with a description in:\n" + top.out());
        }
        for (String cmd : List.of("train", "evaluate", "predict")) {
            Run h = run(cmd, "--help");
            assertEquals(0, h.status());
            CommandLine.Model.CommandSpec spec = SparkgradMain.commandLine().getSubcommands().get(cmd).getCommandSpec();
            for (CommandLine.Model.OptionSpec o : spec.options()) {
                assertTrue(o.description().length > 0 && !o.description()[0].isBlank(), cmd + " " + o.longestName());
                assertTrue(h.out().contains(o.longestName()), cmd + " --help lists " + o.longestName());
            }
        }
    }

    @Test
    void submitCommandRunsThisMainClassOnTheCluster() {
        Run r = run("--preset", "yarn", "submit-command", "--jar", "sparkgrad-job.jar", "--", "train");
        assertEquals(0, r.status(), r.err());
        assertEquals(SparkgradMain.class.getName(), SubmitCommand.DEFAULT_MAIN_CLASS);
        List<String> words = Arrays.asList(r.out().strip().split(" "));
        assertEquals(SparkgradMain.class.getName(), words.get(words.indexOf("--class") + 1));
        assertEquals("train", words.get(words.size() - 1));
    }
}
