package io.sparkgrad.conf.cli;

import io.sparkgrad.conf.LoadedConfig;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sparkgrad config}: prints the effective configuration, or where each value came from. */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = {"Print the effective job configuration as YAML (defaults < preset < file < --set), "
                + "after validation. The output is itself a valid --config file."})
final class ConfigCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Spec
    CommandSpec spec;

    @Option(names = "--origins", description = "Print each value's key and the layer that set it instead.")
    boolean origins;

    @Override
    public Integer call() {
        LoadedConfig loaded = options.load();
        PrintWriter out = spec.commandLine().getOut();
        if (origins) {
            int width = loaded.origins().keySet().stream().mapToInt(String::length).max().orElse(0);
            loaded.origins().entrySet().stream()
                    .sorted(Map.Entry.comparingByKey())
                    .forEach(e -> out.printf("%-" + width + "s  %s%n", e.getKey(), e.getValue()));
        } else {
            out.print(loaded.config().toYaml());
        }
        out.flush();
        return 0;
    }
}
