package io.sparkgrad.cli;

import io.sparkgrad.conf.ConfigException;
import io.sparkgrad.conf.cli.SparkgradCli;
import io.sparkgrad.ingest.convert.ConvertCommand;
import io.sparkgrad.ingest.mnist.MnistDownload;
import io.sparkgrad.trainer.TrainingException;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;

/**
 * The {@code sparkgrad} command: the job jar's main class ({@code bin/sparkgrad} runs it on this machine,
 * {@code bin/sparkgrad-submit} through spark-submit). Subcommands: {@code train}, {@code evaluate},
 * {@code predict}, {@code download}, {@code convert}, {@code config}, {@code submit-command}. Exit status 0 on
 * success, 1 when the job fails (the message names the file, key or shapes at fault), 2 for a bad command line or
 * configuration.
 */
public final class SparkgradMain {
    private SparkgradMain() {
    }

    /** The command line with every subcommand and Sparkgrad's error handling. */
    public static CommandLine commandLine() {
        Map<String, Object> jobs = new LinkedHashMap<>();
        jobs.put("train", new TrainCommand());
        jobs.put("evaluate", new EvaluateCommand());
        jobs.put("predict", new PredictCommand());
        jobs.put("export-pytorch", new ExportPyTorchCommand());
        jobs.put("sweep", new SweepCommand());
        jobs.put("download", new MnistDownload());
        jobs.put("convert", new ConvertCommand());
        CommandLine cli = SparkgradCli.commandLine(jobs);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        CommandLine.IExecutionExceptionHandler configErrors = cli.getExecutionExceptionHandler();
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof ConfigException) {
                return configErrors.handleExecutionException(e, commandLine, parseResult);
            }
            Throwable reason = userError(e);
            if (reason == null) {
                throw e;
            }
            commandLine.getErr().println(commandLine.getColorScheme().errorText(
                    commandLine.getCommandSpec().qualifiedName() + ": " + reason.getMessage()));
            return 1;
        });
        return cli;
    }

    /**
     * The cause to report as a plain message (bad input, a missing file, an unusable setting, a failed run), or null
     * for anything else, which is a bug and gets its stack trace.
     */
    static Throwable userError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException || t instanceof IllegalArgumentException || t instanceof TrainingException
                    || t instanceof IllegalStateException && t.getMessage() != null && t.getMessage().startsWith("cannot use device")) {
                return t;
            }
        }
        return null;
    }

    /** Runs {@code sparkgrad} and exits with its status. */
    public static void main(String[] args) {
        // Charts are drawn off-screen, also where a display exists.
        System.setProperty("java.awt.headless", "true");
        System.exit(commandLine().execute(args));
    }
}
