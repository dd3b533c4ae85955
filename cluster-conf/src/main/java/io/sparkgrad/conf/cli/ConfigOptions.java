package io.sparkgrad.conf.cli;

import io.sparkgrad.conf.JobConfigLoader;
import io.sparkgrad.conf.LoadedConfig;
import io.sparkgrad.conf.Preset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The options that choose a job configuration: {@code --preset}, {@code --config}, {@code --set}. Mixed
 * into the top-level command and into every subcommand that needs a configuration, so they may be given
 * before or after the subcommand's name; {@link #load()} combines the two (overrides before the subcommand
 * first, then those after it).
 */
public final class ConfigOptions {
    @Option(names = "--preset", paramLabel = "NAME", converter = PresetConverter.class,
            completionCandidates = PresetNames.class,
            description = "Where the job runs: ${COMPLETION-CANDIDATES} (default: local). Sets the Spark master, "
                    + "deploy mode and executor sizes; the file and --set override it.")
    Preset preset;

    @Option(names = "--config", paramLabel = "FILE",
            description = "YAML job configuration, layered over the preset (sections model, data, optimizer, "
                    + "training, output, device, spark). `sparkgrad config` prints a complete one.")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override one value, e.g. --set optimizer.lr=0.05 or "
                    + "--set spark.conf.spark.executor.memory=8g. Repeatable; later ones win; they override "
                    + "the file.")
    List<String> sets = new ArrayList<>();

    /** The command these options are mixed into; its parent, if any, holds the options given before it. */
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    /** Loads the configuration from these options and those given before the subcommand's name. */
    public LoadedConfig load() {
        return loader().load();
    }

    /** The loader for these options and those given before the subcommand's name. */
    public JobConfigLoader loader() {
        CommandSpec parent = mixee == null ? null : mixee.parent();
        ConfigOptions outer = parent != null && parent.userObject() instanceof SparkgradCli cli
                ? cli.options() : new ConfigOptions();
        return loader(outer, this);
    }

    /** Loads the configuration from {@code outer} (given before the subcommand) and {@code inner} (after). */
    public static LoadedConfig load(ConfigOptions outer, ConfigOptions inner) {
        return loader(outer, inner).load();
    }

    /** The loader for {@code outer} and {@code inner}; the inner preset and file win if both give one. */
    public static JobConfigLoader loader(ConfigOptions outer, ConfigOptions inner) {
        JobConfigLoader loader = new JobConfigLoader();
        Preset preset = inner.preset != null ? inner.preset : outer.preset;
        loader.preset(preset != null ? preset : Preset.DEFAULT);
        Path file = inner.config != null ? inner.config : outer.config;
        if (file != null) {
            loader.file(file);
        }
        outer.sets.forEach(loader::set);
        inner.sets.forEach(loader::set);
        return loader;
    }

    /** Parses preset names in any case. */
    static final class PresetConverter implements ITypeConverter<Preset> {
        @Override
        public Preset convert(String value) {
            return Preset.parse(value);
        }
    }

    /** The preset names, for help and completion. */
    static final class PresetNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            List<String> names = new ArrayList<>();
            for (Preset p : Preset.values()) {
                names.add(p.label());
            }
            return names.iterator();
        }
    }
}
