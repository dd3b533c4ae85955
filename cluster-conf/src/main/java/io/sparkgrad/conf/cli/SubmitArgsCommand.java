package io.sparkgrad.conf.cli;

import io.sparkgrad.conf.JvmFlags;
import io.sparkgrad.conf.LoadedConfig;
import io.sparkgrad.conf.SubmitCommand;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sparkgrad submit-command}: prints the spark-submit command for a configuration. {@code
 * bin/sparkgrad-submit} runs it with {@code --print0} and executes the result.
 */
@Command(name = "submit-command", mixinStandardHelpOptions = true,
        description = {"Print the spark-submit command that runs the job jar with this configuration "
                + "(after validating it). Job arguments go after --."})
final class SubmitArgsCommand extends ConfigPrintingCommand {
    @Option(names = "--jar", required = true, paramLabel = "JAR",
            description = "The job jar: a local path or a URI spark-submit accepts (hdfs://, local://).")
    String jar;

    @Option(names = "--main-class", paramLabel = "CLASS", defaultValue = SubmitCommand.DEFAULT_MAIN_CLASS,
            description = "The job's main class (default: ${DEFAULT-VALUE}).")
    String mainClass;

    @Option(names = "--spark-submit", paramLabel = "PATH", defaultValue = "spark-submit",
            description = "The spark-submit executable to name (default: ${DEFAULT-VALUE}).")
    String sparkSubmit;

    @Option(names = "--jvm-flags-file", paramLabel = "FILE",
            description = "Read the driver and executor JVM flags from FILE (bin/jvm-flags) instead of the "
                    + "built-in list.")
    Path jvmFlagsFile;

    @Option(names = "--print0",
            description = "Print the arguments after the executable, each ended by a NUL byte, for scripts.")
    boolean print0;

    @Parameters(paramLabel = "JOB_ARGS", description = "The job's own arguments (after --).")
    List<String> jobArgs = new ArrayList<>();

    @Override
    void print(LoadedConfig loaded, PrintWriter out) {
        SubmitCommand.Builder builder = SubmitCommand.builder(loaded)
                .sparkSubmit(sparkSubmit)
                .jobJar(jar)
                .mainClass(mainClass)
                .jobArguments(jobArgs);
        if (jvmFlagsFile != null) {
            builder.jvmFlags(JvmFlags.readFile(jvmFlagsFile));
        }
        SubmitCommand command = builder.build();
        if (print0) {
            for (String a : command.arguments()) {
                out.print(a);
                out.print('\0');
            }
        } else {
            out.println(command.toShellString());
        }
    }
}
