package io.sparkgrad.conf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.conf.JobConfig;
import io.sparkgrad.conf.JobConfigLoader;
import io.sparkgrad.conf.Preset;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

class SparkgradCliTest {
    @TempDir
    Path dir;

    private record Result(int status, String out, String err) {
    }

    private static Result run(String... args) {
        CommandLine cli = SparkgradCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int status = cli.execute(args);
        return new Result(status, out.toString(), err.toString());
    }

    @Test
    void configPrintsTheEffectiveConfigurationAsAReloadableFile() {
        Result r = run("--preset", "yarn", "config", "--set", "optimizer.lr=0.05");
        assertEquals(0, r.status(), r.err());
        JobConfig expected = new JobConfigLoader().preset(Preset.YARN).set("optimizer.lr=0.05").load().config();
        assertEquals(expected.toYaml(), r.out());
        assertEquals(expected, JobConfig.fromYaml(r.out(), "printed"));
    }

    @Test
    void overridesBeforeAndAfterTheSubcommandBothApplyInOrder() throws Exception {
        Path file = dir.resolve("job.yaml");
        Files.writeString(file, "training:\n  epochs: 9\n  workers: 3\n");
        Result r = run("--config", file.toString(), "--set", "training.epochs=4", "--set", "optimizer.lr=0.2",
                "config", "--set", "optimizer.lr=0.3");
        assertEquals(0, r.status(), r.err());
        JobConfig c = JobConfig.fromYaml(r.out(), "printed");
        assertEquals(4, c.training().epochs());
        assertEquals(3, c.training().workers(), "the file given before the subcommand is used");
        assertEquals(0.3, c.optimizer().lr(), "the override after the subcommand comes last and wins");
    }

    @Test
    void originsNameTheLayerOfEachValue() {
        Result r = run("config", "--preset", "yarn", "--set", "training.epochs=4", "--origins");
        assertEquals(0, r.status(), r.err());
        List<String> lines = Arrays.asList(r.out().split("\n"));
        assertTrue(lines.stream().anyMatch(l -> l.matches("training\\.epochs +--set training\\.epochs=4")), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.matches("spark\\.master +preset yarn")), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.matches("optimizer\\.lr +defaults")), r.out());
    }

    @Test
    void aConfigurationErrorExitsWithStatusTwoAndListsTheProblems() {
        Result r = run("config", "--set", "optimizer.lrr=0.1", "--set", "training.epochs=0");
        assertEquals(SparkgradCli.CONFIG_ERROR, r.status());
        assertEquals("", r.out());
        assertTrue(r.err().contains("Invalid job configuration (2 problems)"), r.err());
        assertTrue(r.err().contains("optimizer.lrr (from --set optimizer.lrr=0.1): unknown key; did you mean "
                + "optimizer.lr?"), r.err());
    }

    @Test
    void anUnknownPresetIsAConfigurationError() {
        Result r = run("--preset", "mesos", "config");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("unknown preset; allowed values: local, standalone, yarn, k8s"), r.err());
    }

    @Test
    void submitCommandPrintsNulSeparatedArgumentsForScripts() {
        Result r = run("--preset", "yarn", "submit-command", "--print0", "--jar", "/j/job.jar", "--", "train",
                "--set", "x=y");
        assertEquals(0, r.status(), r.err());
        List<String> args = Arrays.asList(r.out().split("\0", -1));
        assertEquals("", args.get(args.size() - 1), "every argument ends with a NUL");
        List<String> expected = io.sparkgrad.conf.SubmitCommand.builder(new JobConfigLoader().preset(Preset.YARN).load())
                .jobJar("/j/job.jar").jobArguments(List.of("train", "--set", "x=y")).build().arguments();
        assertEquals(expected, args.subList(0, args.size() - 1));
    }

    @Test
    void submitCommandReadsTheJvmFlagsFileWhenGiven() throws Exception {
        Path flags = dir.resolve("flags");
        Files.writeString(flags, "# comment\n-Dfrom.file=1\n\n-Xss4m\n");
        Result r = run("submit-command", "--jar", "job.jar", "--jvm-flags-file", flags.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("'spark.driver.extraJavaOptions=-Dfrom.file=1 -Xss4m'"), r.out());
    }

    @Test
    void helpListsTheSubcommandsAndTheConfigurationOptions() {
        Result r = run("--help");
        assertEquals(0, r.status());
        for (String s : List.of("config", "submit-command", "--preset", "--config", "--set",
                "local, standalone, yarn, k8s")) {
            assertTrue(r.out().contains(s), s + " missing from:\n" + r.out());
        }
    }

    @Test
    void noSubcommandIsAUsageError() {
        Result r = run();
        assertEquals(2, r.status());
        assertTrue(r.err().contains("name a subcommand"), r.err());
    }

    /** A job subcommand as the job jar adds them: it loads the configuration from both option sets. */
    @Command(name = "probe", description = "Prints the epochs of the effective configuration.")
    static final class ProbeCommand implements java.util.concurrent.Callable<Integer> {
        @ParentCommand
        SparkgradCli parent;

        @Mixin
        ConfigOptions options;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().getOut().println("epochs=" + ConfigOptions.load(parent.options(), options).config()
                    .training().epochs());
            return 0;
        }
    }

    @Test
    void jobSubcommandsComeFirstAndSeeTheOptionsBeforeAndAfterTheirName() {
        Map<String, Object> jobs = new LinkedHashMap<>();
        jobs.put("probe", new ProbeCommand());
        CommandLine cli = SparkgradCli.commandLine(jobs);
        assertEquals(List.of("probe", "config", "submit-command", "help"), List.copyOf(cli.getSubcommands().keySet()));
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        assertEquals(0, cli.execute("--set", "training.epochs=7", "probe", "--set", "training.workers=1"));
        assertEquals("epochs=7", out.toString().strip());

        StringWriter err = new StringWriter();
        cli = SparkgradCli.commandLine(jobs);
        cli.setErr(new PrintWriter(err));
        assertEquals(SparkgradCli.CONFIG_ERROR, cli.execute("probe", "--set", "training.epochs=-1"));
        assertTrue(err.toString().contains("training.epochs"), err.toString());
    }
}
