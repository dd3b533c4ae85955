package io.sparkgrad.conf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads a {@link JobConfig} from layers, each overriding the one before: the built-in defaults, a
 * {@link Preset}, a YAML file, and {@code --set key.path=value} overrides in order.
 *
 * <pre>{@code
 * LoadedConfig loaded = new JobConfigLoader()
 *         .preset(Preset.YARN)
 *         .file(Path.of("job.yaml"))
 *         .set("optimizer.lr=0.05")
 *         .load();
 * JobConfig config = loaded.config();
 * }</pre>
 *
 * Every problem found (unknown keys with the nearest valid key, wrong types, values out of range, enum
 * values not allowed, missing required values) is reported at once in a {@link ConfigException}, each
 * with its key path and the layer it came from.
 */
public final class JobConfigLoader {
    private Preset preset = Preset.DEFAULT;
    private Path file;
    private String yamlText;
    private String yamlOrigin;
    private final List<String> overrides = new ArrayList<>();

    /** Uses {@code preset} (default {@link Preset#LOCAL}). */
    public JobConfigLoader preset(Preset preset) {
        this.preset = preset;
        return this;
    }

    /** Uses no preset: only the defaults lie under the file (for a saved effective configuration). */
    public JobConfigLoader noPreset() {
        this.preset = null;
        return this;
    }

    /** Reads the file layer from {@code file}. */
    public JobConfigLoader file(Path file) {
        this.file = file;
        this.yamlText = null;
        return this;
    }

    /** Uses {@code yaml} as the file layer; {@code originName} names it in errors (a Hadoop path, say). */
    public JobConfigLoader yaml(String yaml, String originName) {
        this.yamlText = yaml;
        this.yamlOrigin = originName;
        this.file = null;
        return this;
    }

    /** Adds one override {@code key.path=value}; later ones win. */
    public JobConfigLoader set(String assignment) {
        overrides.add(assignment);
        return this;
    }

    /** Adds one override. */
    public JobConfigLoader set(String keyPath, String value) {
        return set(keyPath + "=" + value);
    }

    /** Merges, checks, binds (Jackson), derives and validates; throws a {@link ConfigException} listing every problem. */
    public LoadedConfig load() {
        ConfigLayers layers = new ConfigLayers();
        layers.merge(ConfigYaml.toTree(JobConfig.defaults()), "defaults");
        if (preset != null) {
            layers.merge(ConfigYaml.parse(preset.yaml(), "preset " + preset.label()), "preset " + preset.label());
        }
        if (file != null) {
            String origin = "file " + file;
            layers.merge(ConfigYaml.parse(read(file, origin), origin), origin);
        } else if (yamlText != null) {
            String origin = "file " + yamlOrigin;
            layers.merge(ConfigYaml.parse(yamlText, origin), origin);
        }
        List<ConfigProblem> problems = new ArrayList<>();
        for (String o : overrides) {
            layers.set(o, problems);
        }
        problems.addAll(ConfigChecker.check(layers.tree(), layers::originOf));
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        JobConfig config = derive(ConfigYaml.bind(layers.tree()), layers);
        problems.addAll(ConfigValidator.validate(config, preset, layers::originOf));
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new LoadedConfig(config, preset, file, overrides, layers.origins());
    }

    private static String read(Path file, String origin) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(new ConfigProblem("", origin, Files.exists(file)
                    ? "is not a regular file" : "no such file (working directory " + Path.of("").toAbsolutePath() + ")"));
        }
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(new ConfigProblem("", origin, "cannot be read: " + e));
        }
    }

    /** Fills in the values whose defaults depend on other values, so the effective configuration is explicit. */
    private static JobConfig derive(JobConfig c, ConfigLayers layers) {
        DataConfig d = c.data();
        if (d.test() == null && DataConfig.isMnist(d.train())) {
            d = d.withTest(DataConfig.MNIST);
            layers.origins().put("data.test", "derived from data.train");
        }
        OutputConfig o = c.output();
        String base = o.outputDir() == null ? null : o.outputDir().replaceAll("/+$", "");
        if (base != null && !base.isEmpty()) {
            if (o.checkpointDir() == null) {
                o = new OutputConfig(o.outputDir(), base + "/checkpoints", o.metricsFile());
                layers.origins().put("output.checkpointDir", "derived from output.outputDir");
            }
            if (o.metricsFile() == null) {
                o = new OutputConfig(o.outputDir(), o.checkpointDir(), base + "/metrics.jsonl");
                layers.origins().put("output.metricsFile", "derived from output.outputDir");
            }
        }
        return new JobConfig(c.model(), d, c.optimizer(), c.training(), o, c.device(), c.spark());
    }
}
