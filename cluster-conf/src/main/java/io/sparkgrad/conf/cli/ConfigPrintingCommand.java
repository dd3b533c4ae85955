package io.sparkgrad.conf.cli;

import io.sparkgrad.conf.LoadedConfig;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A subcommand that loads the job configuration from {@link ConfigOptions} and prints something made from it to the
 * command line's output ({@code config}, {@code submit-command}); a bad configuration ends it before anything is printed.
 */
abstract class ConfigPrintingCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public final Integer call() {
        LoadedConfig loaded = options.load();
        PrintWriter out = spec.commandLine().getOut();
        print(loaded, out);
        out.flush();
        return 0;
    }

    /** Prints what this command shows of {@code loaded}. */
    abstract void print(LoadedConfig loaded, PrintWriter out);
}
