package io.sparkgrad.conf.cli;

import io.sparkgrad.conf.LoadedConfig;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sparkgrad config}: prints the effective configuration, or where each value came from. */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = {"Print the effective job configuration as YAML (defaults < preset < file < --set), "
                + "after validation. The output is itself a valid --config file."})
final class ConfigCommand extends ConfigPrintingCommand {
    @Option(names = "--origins", description = "Print each value's key and the layer that set it instead.")
    boolean origins;

    @Override
    void print(LoadedConfig loaded, PrintWriter out) {
        if (origins) {
            int width = loaded.origins().keySet().stream().mapToInt(String::length).max().orElse(0);
            loaded.origins().entrySet().stream()
                    .sorted(Map.Entry.comparingByKey())
                    .forEach(e -> out.printf("%-" + width + "s  %s%n", e.getKey(), e.getValue()));
        } else {
            out.print(loaded.config().toYaml());
        }
    }
}
