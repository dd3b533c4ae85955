package io.sparkgrad.cli;

import io.sparkgrad.conf.ClusterManager;
import io.sparkgrad.conf.JobConfig;
import io.sparkgrad.conf.JobConfigLoader;
import io.sparkgrad.conf.OutputConfig;
import io.sparkgrad.conf.Preset;
import io.sparkgrad.conf.cli.ConfigOptions;
import io.sparkgrad.conf.cli.SparkgradCli;
import io.sparkgrad.job.JobSpark;
import io.sparkgrad.job.RunFolder;
import io.sparkgrad.trainer.sweep.Sweep;
import io.sparkgrad.trainer.sweep.SweepConfig;
import io.sparkgrad.trainer.sweep.SweepConfigException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code sparkgrad sweep}: a hyperparameter sweep ({@link Sweep}) of the sweep file given with {@code --config}. Spark
 * starts as for {@code train} ({@link JobSpark}: the preset, {@code --set spark.*}, {@code --master}); the trials'
 * own keys live in the sweep file's {@code space:} block. The last line printed is {@code SweepResult#resultLine()}.
 * A sweep file that cannot be used exits with status 2 and a message naming the key.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Run a hyperparameter sweep on Spark: the trials the sweep file's space: block describes, up to "
                    + "sweep.parallelism at once, one Spark task each, early-stopped by the sweep's scheduler (asha, median, none).",
            "Writes journal.jsonl, checkpoints, trials.csv, trials.parquet, curves.png, params.png and the best trial's "
                    + "model.safetensors and config.yaml to the output folder (default runs/sweep-<date>-<time>).",
            "The last line is: RESULT sweep trials=<n> completed=<n> stopped=<n> failed=<n> epochs_trained=<n> "
                    + "best_trial=<id> best_<metric>=<x> seconds=<s> output=<folder>"},
        footer = {"", "Examples:",
            "  sparkgrad sweep --config examples/sweeps/mnist-cnn.yaml",
            "  sparkgrad sweep --config sweep.yaml --output runs/s1 --master local[4]",
            "  sparkgrad sweep --config sweep.yaml --output runs/s1 --resume",
            "  sparkgrad sweep --config sweep.yaml --set sweep.trials=2 --set sweep.scheduler.maxEpochs=1 --set space.data.trainLimit=2000",
            "The sweep file's format: docs/sweeps.md"})
final class SweepCommand implements Callable<Integer> {
    /** The default output folder; the token becomes the start time and a random tail, as for a training run. */
    static final String DEFAULT_OUTPUT = "runs/sweep-" + OutputConfig.TIMESTAMP;
    /** The Spark setting of the part of a GPU each task asks for. */
    static final String TASK_GPU_AMOUNT = "spark.task.resource.gpu.amount";

    @Option(names = "--config", paramLabel = "FILE", required = true,
            description = "The sweep file (YAML, any Hadoop path): a sweep: block (trials, objective, search, seed, "
                    + "scheduler, parallelism, mode, workersPerTrial, device, gpuShare) and a space: block (configuration keys and their domains).")
    String config;

    @Option(names = "--output", paramLabel = "DIR",
            description = "The sweep's folder, any Hadoop path (default: " + DEFAULT_OUTPUT + ", a new folder each time).")
    String output;

    @Option(names = "--resume",
            description = "Continue the sweep whose journal is in --output: finished rungs are not trained again. "
                    + "The sweep file must be the same.")
    boolean resume;

    @Option(names = "--master", paramLabel = "URL",
            description = "The Spark master (e.g. local[2]); overrides the preset's. Under spark-submit, spark-submit's wins.")
    String master;

    @Option(names = "--preset", paramLabel = "NAME", converter = PresetConverter.class,
            description = "Where Spark runs, as for train (default: local).")
    Preset preset;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "A Spark setting of the job configuration (spark.master=local[4], "
                    + "spark.conf.spark.executor.memory=8g) or an override of the sweep file (sweep.trials=4, "
                    + "sweep.scheduler.maxEpochs=3, space.data.trainLimit=5000, space.optimizer.lr=loguniform(1e-3, 1e-1)). "
                    + "Repeatable; later ones win. A resumed sweep needs the same overrides.")
    List<String> sets = new ArrayList<>();

    @ParentCommand
    SparkgradCli parent;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        SweepConfig sweep;
        try {
            List<String> overrides = new ArrayList<>();
            for (String a : sets) {
                if (a.startsWith("sweep.") || a.startsWith("space.")) {
                    overrides.add(a);
                } else if (!a.startsWith("spark.")) {
                    throw new SweepConfigException("--set " + a + ": sweep takes spark.* settings and overrides of the sweep "
                            + "file (sweep.KEY=VALUE, space.KEY=VALUE); a trial's keys go in the space: block");
                }
            }
            sweep = load(overrides);
            if (resume && output == null) {
                throw new SweepConfigException("--resume continues a sweep in its folder: name it with --output "
                        + "(the default " + DEFAULT_OUTPUT + " is a new folder each time)");
            }
        } catch (SweepConfigException e) {
            return usageError(e.getMessage());
        } catch (FileNotFoundException e) {
            return usageError("the sweep file " + config + " does not exist");
        }
        JobConfig job = jobConfig(sweep);
        PrintStream out = System.out;
        try (JobSpark spark = JobSpark.start(job)) {
            Configuration hadoop = spark.context().hadoopConfiguration();
            Sweep built;
            try {
                // The builder checks what needs the cluster (data-parallel: the workers per trial against its slots).
                built = Sweep.builder(spark.session(), sweep).output(job.output().outputDir()).resume(resume).console(out)
                        .hadoopConf(hadoop).build();
            } catch (SweepConfigException e) {
                return usageError(e.getMessage());
            }
            built.run();
        }
        out.flush();
        return 0;
    }

    /**
     * The job configuration Spark starts from: the options given before {@code sweep}, then the preset, the master and
     * the {@code --set}s given after it; its output folder is the sweep's, with the timestamp token expanded.
     *
     * <p>A sweep with {@code sweep.device: cuda} runs the job's GPU settings ({@code device: cuda}, see
     * {@link io.sparkgrad.conf.SparkSettings}: a GPU per executor, the discovery script) and, on a cluster, each trial
     * task asks Spark for {@code sweep.gpuShare} of a GPU ({@code spark.task.resource.gpu.amount}, unless given), so
     * Spark packs {@code 1 / gpuShare} trials on each GPU, as many as their memory caps allow. Local mode has no GPU
     * scheduling: every trial uses GPU 0, and the sweep checks that its trials fit there.
     */
    JobConfig jobConfig(SweepConfig sweep) {
        JobConfigLoader loader = ConfigOptions.loader(parent != null ? parent.options() : new ConfigOptions(), new ConfigOptions());
        if (preset != null) {
            loader.preset(preset);
        }
        loader.set("spark.appName", "sparkgrad-sweep");
        sets.stream().filter(a -> a.startsWith("spark.")).forEach(loader::set);
        if (master != null) {
            loader.set("spark.master", master);
        }
        loader.set("output.outputDir", output != null ? output : DEFAULT_OUTPUT);
        if (sweep.onGpu()) {
            loader.set("device", "cuda");
            JobConfig c = loader.load().config();
            if (c.spark().clusterManager().orElse(ClusterManager.LOCAL) != ClusterManager.LOCAL
                    && !c.spark().conf().containsKey(TASK_GPU_AMOUNT)) {
                loader.set("spark.conf." + TASK_GPU_AMOUNT, BigDecimal.valueOf(sweep.gpuShare()).stripTrailingZeros().toPlainString());
            }
        }
        return RunFolder.resolve(loader.load().config(), LocalDateTime.now());
    }

    /** The sweep file with the command line's overrides applied. */
    private SweepConfig load(List<String> overrides) throws IOException {
        Path file = new Path(config);
        String text;
        try (InputStream in = file.getFileSystem(new Configuration()).open(file)) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try {
            return SweepConfig.parse(SweepConfig.override(text, overrides));
        } catch (SweepConfigException e) {
            throw new SweepConfigException(config + (overrides.isEmpty() ? "" : " with " + String.join(" ", overrides)) + ": "
                    + e.getMessage());
        }
    }

    private int usageError(String message) {
        spec.commandLine().getErr().println(spec.commandLine().getColorScheme().errorText("sparkgrad sweep: " + message));
        spec.commandLine().getErr().flush();
        return SparkgradCli.CONFIG_ERROR;
    }

    /** Parses preset names in any case, as train's --preset does. */
    static final class PresetConverter implements ITypeConverter<Preset> {
        @Override
        public Preset convert(String value) {
            return Preset.parse(value);
        }
    }
}
