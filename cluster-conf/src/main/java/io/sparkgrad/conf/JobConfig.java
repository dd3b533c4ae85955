package io.sparkgrad.conf;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The whole, typed configuration of one Sparkgrad job. Load one with {@link JobConfigLoader} (defaults &lt;
 * preset &lt; file &lt; {@code --set}); a loaded configuration has passed validation and has its derived
 * values (checkpoint folder, metrics file, test set) filled in.
 *
 * @param model     which model
 * @param data      which data and how it is prepared
 * @param optimizer the optimizer and its hyperparameters
 * @param training  the training loop
 * @param output    where the run writes
 * @param device    {@code cpu} or {@code cuda}
 * @param spark     master, deploy mode, application name and pass-through Spark settings
 */
public record JobConfig(
        ModelConfig model,
        DataConfig data,
        OptimizerConfig optimizer,
        TrainingConfig training,
        OutputConfig output,
        DeviceType device,
        SparkConfig spark) implements Serializable {

    /**
     * The built-in defaults: the {@code mnist-cnn} model on MNIST with the tutorial's split (validation on
     * training images 50,000-59,999, test on the official test set), pixels normalised with MNIST's mean and standard
     * deviation, Adam with learning rate 4e-3 cosine-annealed to 0 over the run, a global batch of 64 for 3 epochs on
     * two workers, on the CPU: about 99 % test accuracy (measured: see the README), in about a minute on two cores. Each run writes to a fresh folder {@code runs/mnist-<date>-<time>} (see {@link OutputConfig}).
     * The Spark master is left to the preset.
     */
    public static JobConfig defaults() {
        return new JobConfig(
                new ModelConfig("mnist-cnn", List.of(), List.of()),
                new DataConfig(DataConfig.MNIST, null, Split.TUTORIAL, Scaling.NORMALIZE, 0, 0, DataFormat.AUTO, "features", "label",
                        List.of(), 0.0, null),
                new OptimizerConfig(OptimizerName.ADAM, 4e-3, 0.9, 0.0, false, 0.0, List.of(0.9, 0.999), 1e-8,
                        LrSchedule.COSINE, 0.0),
                new TrainingConfig(64, false, 3, 42L, 2, Transport.BARRIER, false, 0, "0"),
                new OutputConfig("runs/mnist-" + OutputConfig.TIMESTAMP, null, null),
                DeviceType.CPU,
                new SparkConfig(null, DeployMode.CLIENT, "sparkgrad", Map.of(), false));
    }

    /** Loads the configuration for {@code preset} from an optional file and {@code --set} overrides. */
    public static JobConfig load(Preset preset, Path file, List<String> overrides) {
        JobConfigLoader loader = new JobConfigLoader().preset(preset);
        if (file != null) {
            loader.file(file);
        }
        overrides.forEach(loader::set);
        return loader.load().config();
    }

    /**
     * Reads a configuration saved with {@link #toYaml()} (for example next to a checkpoint). It is
     * layered over the defaults only, so every value it names is taken as written.
     */
    public static JobConfig fromYaml(String yaml, String originName) {
        return new JobConfigLoader().noPreset().yaml(yaml, originName).load().config();
    }

    /** This configuration as YAML, every value spelled out, in the same shape a configuration file has. */
    public String toYaml() {
        return ConfigYaml.render(this);
    }
}
