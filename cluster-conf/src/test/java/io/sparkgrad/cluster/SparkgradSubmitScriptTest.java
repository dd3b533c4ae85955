package io.sparkgrad.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.conf.JobConfigLoader;
import io.sparkgrad.conf.JvmFlags;
import io.sparkgrad.conf.Preset;
import io.sparkgrad.conf.RepoFiles;
import io.sparkgrad.conf.SubmitCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/sparkgrad-submit's own behaviour: the dry run, and its errors. (The real run is in LoopbackClusterTest.) */
class SparkgradSubmitScriptTest {
    @TempDir
    static Path tmp;

    private static SparkHome sparkHome;
    private static Path jar;

    @BeforeAll
    static void layOut() throws Exception {
        sparkHome = SparkHome.layOut(tmp.resolve("spark-home"));
        jar = ThinJobJar.write(tmp.resolve("sparkgrad-job.jar"));
    }

    private record Result(int status, String out, String err) {
    }

    private static Result run(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(RepoFiles.bin("sparkgrad-submit").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("SPARK"));
        pb.environment().put("PATH", "/usr/bin:/bin");
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().putAll(env);
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the script did not finish");
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static Map<String, String> withSpark() {
        return Map.of("SPARK_HOME", sparkHome.home().toString(), "SPARKGRAD_JOB_JAR", jar.toString());
    }

    @Test
    void dryRunPrintsTheSparkSubmitCommandShellQuoted() throws Exception {
        Result r = run(withSpark(), "--preset", "yarn", "--set", "optimizer.lr=0.05", "--dry-run", "--", "train",
                "--note", "two words");
        assertEquals(0, r.status(), r.err());
        List<String> expected = new ArrayList<>(SubmitCommand.builder(new JobConfigLoader().preset(Preset.YARN)
                .set("optimizer.lr=0.05").load()).jobJar(jar.toString())
                .jvmFlags(JvmFlags.readFile(RepoFiles.bin("jvm-flags")))
                .jobArguments(List.of("train", "--note", "two words")).build().arguments());
        // bash's printf %q escapes with backslashes; read the line back the way bash would.
        List<String> printed = bashWords(r.out().strip());
        assertEquals(sparkHome.sparkSubmit().toString(), printed.get(0));
        assertEquals(expected, printed.subList(1, printed.size()));
    }

    @Test
    void withoutSparkSubmitItSaysHowToGetOne() throws Exception {
        Result r = run(Map.of("SPARKGRAD_JOB_JAR", jar.toString()), "--", "train");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("spark-submit not found: set SPARK_HOME to a Spark 4.x installation or put "
                + "its bin/ on PATH"), r.err());

        Result badHome = run(Map.of("SPARKGRAD_JOB_JAR", jar.toString(), "SPARK_HOME", tmp.toString()), "--", "train");
        assertEquals(2, badHome.status());
        assertTrue(badHome.err().contains("SPARK_HOME=" + tmp + " has no executable bin/spark-submit"), badHome.err());
    }

    @Test
    void aMissingJobJarIsNamedWithHowToBuildIt() throws Exception {
        Path missing = tmp.resolve("nope.jar");
        Result r = run(Map.of("SPARKGRAD_JOB_JAR", missing.toString()), "--dry-run");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("job jar not found: " + missing) && r.err().contains("SPARKGRAD_JOB_JAR"), r.err());
    }

    @Test
    void aConfigurationErrorStopsItBeforeSubmitting() throws Exception {
        Result r = run(withSpark(), "--preset", "standalone", "--", "train");
        assertEquals(2, r.status());
        assertEquals("", r.out());
        assertTrue(r.err().contains("spark.master: missing required value: preset standalone needs the standalone "
                + "master URL"), r.err());
    }

    @Test
    void anOptionBeforeTheSeparatorThatIsNotItsOwnIsRejected() throws Exception {
        Result r = run(withSpark(), "--preset", "local", "train");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("unknown option 'train': options for the job go after --"), r.err());
        Result help = run(Map.of(), "--help");
        assertEquals(0, help.status());
        assertTrue(help.out().startsWith("Usage: bin/sparkgrad-submit"), help.out());
    }

    /** Splits a line printed with bash's printf %q back into words, with bash itself. */
    private static List<String> bashWords(String line) throws Exception {
        Process p = new ProcessBuilder("bash", "-c", "eval \"words=($1)\"; printf '%s\\0' \"${words[@]}\"", "_", line)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor());
        List<String> words = new ArrayList<>(List.of(out.split("\0", -1)));
        words.remove(words.size() - 1);
        return words;
    }
}
