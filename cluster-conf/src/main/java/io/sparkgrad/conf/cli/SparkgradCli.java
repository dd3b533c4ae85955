package io.sparkgrad.conf.cli;

import io.sparkgrad.conf.BuildInfo;
import io.sparkgrad.conf.ConfigException;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * The {@code sparkgrad} command line. Configuration options ({@code --preset}, {@code --config},
 * {@code --set}) may come before the subcommand or after it. A configuration error prints every problem
 * and exits with status 2.
 *
 * <p>This module contributes the subcommands that only read a configuration ({@code config},
 * {@code submit-command}); the job jar adds the ones that run Spark ({@code train}, {@code evaluate}, ...)
 * with {@link #commandLine(Map)}. A job subcommand reaches the options given before its name through
 * {@code @ParentCommand SparkgradCli parent} and {@link #options()}.
 */
@Command(name = "sparkgrad", mixinStandardHelpOptions = true, versionProvider = SparkgradCli.Version.class,
        description = "Data-parallel neural-network training on Apache Spark.")
public final class SparkgradCli implements Runnable {
    /** Exit status for a configuration that cannot be used (the same as picocli's usage errors). */
    public static final int CONFIG_ERROR = 2;

    @Mixin
    ConfigOptions options;

    @Spec
    CommandSpec spec;

    /** The configuration options given before the subcommand. */
    public ConfigOptions options() {
        return options;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "name a subcommand: " + String.join(", ", spec.subcommands().keySet()));
    }

    /** A command line for {@code sparkgrad} with this module's subcommands, with Sparkgrad's error handling. */
    public static CommandLine commandLine() {
        return commandLine(Map.of());
    }

    /**
     * A command line for {@code sparkgrad} with {@code jobCommands} (name to picocli command object or
     * {@link CommandLine}, listed in the map's order) before this module's own subcommands, with Sparkgrad's
     * error handling: a {@link ConfigException} prints its problems and exits with {@link #CONFIG_ERROR}.
     */
    public static CommandLine commandLine(Map<String, Object> jobCommands) {
        CommandLine cli = new CommandLine(new SparkgradCli());
        jobCommands.forEach(cli::addSubcommand);
        cli.addSubcommand("config", new ConfigCommand());
        cli.addSubcommand("submit-command", new SubmitArgsCommand());
        cli.addSubcommand("help", new CommandLine.HelpCommand());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof ConfigException) {
                commandLine.getErr().println(commandLine.getColorScheme().errorText(e.getMessage()));
                return CONFIG_ERROR;
            }
            throw e;
        });
        return cli;
    }

    /** Runs {@code sparkgrad} and exits with its status. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The version from the build. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"sparkgrad " + BuildInfo.version()};
        }
    }
}
