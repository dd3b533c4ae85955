package io.sparkgrad.conf;

import java.util.List;

/**
 * A starting point for where a job runs: a layer of settings between the defaults and the user's file
 * (master URL, deploy mode, executor sizes, ...), and the values the user must add because no preset can
 * know them (a standalone master's address, a Kubernetes container image). Each preset's settings are a
 * YAML file in this package ({@code presets/yarn.yaml}); {@code sparkgrad config --preset yarn} shows the
 * result.
 */
public enum Preset implements ConfigEnum {
    /** Embedded on this machine ({@code local[*]}): the driver JVM runs every worker. */
    LOCAL(List.of()),
    /** A Spark standalone cluster; the master URL must be given. */
    STANDALONE(List.of(new RequiredKey("spark.master",
            "the standalone master URL, e.g. " + ClusterManager.STANDALONE.example()))),
    /** Hadoop YARN in cluster deploy mode (the cluster is found through HADOOP_CONF_DIR). */
    YARN(List.of()),
    /** Kubernetes in cluster deploy mode; the API server URL and the container image must be given. */
    K8S(List.of(
            new RequiredKey("spark.master", "the API server, e.g. " + ClusterManager.KUBERNETES.example()),
            new RequiredKey("spark.conf.spark.kubernetes.container.image",
                    "the image the driver and executors run, with Spark and Java 17, "
                            + "e.g. registry.example.com/sparkgrad:0.1.0")));

    /** The preset used when none is named. */
    public static final Preset DEFAULT = LOCAL;

    /**
     * A value this preset needs from the user.
     *
     * @param path the dotted key path ({@code spark.conf.<spark key>} for a Spark setting)
     * @param hint what to put there
     */
    public record RequiredKey(String path, String hint) {
    }

    private final List<RequiredKey> requiredKeys;

    Preset(List<RequiredKey> requiredKeys) {
        this.requiredKeys = requiredKeys;
    }

    /** The values the user must supply with this preset. */
    public List<RequiredKey> requiredKeys() {
        return requiredKeys;
    }

    /** This preset's settings as YAML (a configuration file's shape). */
    public String yaml() {
        return Resources.text("presets/" + label() + ".yaml");
    }

    /** The preset with this label ({@code local}, {@code standalone}, {@code yarn}, {@code k8s}), any case. */
    public static Preset parse(String label) {
        for (Preset p : values()) {
            if (p.label().equalsIgnoreCase(label.trim())) {
                return p;
            }
        }
        List<String> labels = ConfigSchema.enumLabels(Preset.class);
        throw new ConfigException(new ConfigProblem("", "--preset " + label, "unknown preset; allowed values: "
                + String.join(", ", labels) + KeySuggester.didYouMean(label, labels)));
    }
}
