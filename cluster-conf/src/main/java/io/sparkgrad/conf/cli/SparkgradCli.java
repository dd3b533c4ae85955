package io.sparkgrad.conf.cli;

import io.sparkgrad.conf.BuildInfo;
import io.sparkgrad.conf.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * The {@code sparkgrad} command line. Configuration options ({@code --preset}, {@code --config},
 * {@code --set}) may come before the subcommand or after it. A configuration error prints every problem
 * and exits with status 2.
 */
@Command(name = "sparkgrad", mixinStandardHelpOptions = true, versionProvider = SparkgradCli.Version.class,
        description = "Data-parallel neural-network training on Apache Spark.",
        subcommands = {ConfigCommand.class, SubmitArgsCommand.class, CommandLine.HelpCommand.class})
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

    /** A command line for {@code sparkgrad}, with Sparkgrad's error handling. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new SparkgradCli());
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
