package io.sparkgrad.conf;

import java.io.Serializable;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * How the job meets Spark.
 *
 * @param master     the master URL: {@code local[*]}, {@code spark://host:7077}, {@code yarn},
 *                   {@code k8s://https://host:6443}
 * @param deployMode where spark-submit starts the driver
 * @param appName    the application name Spark shows
 * @param conf       further Spark settings passed through unchanged ({@code spark.executor.memory: 4g}),
 *                   sorted by key
 * @param secure     turn on Spark's authentication and network encryption ({@code spark.authenticate},
 *                   {@code spark.network.crypto.enabled}); the trainer's step channel then derives its key from
 *                   Spark's secret and encrypts every frame. Without it, anyone who can reach the cluster's ports can
 *                   read the model's gradients and weights and inject gradients
 */
public record SparkConfig(String master, DeployMode deployMode, String appName, Map<String, String> conf, boolean secure)
        implements Serializable {

    /** Copies {@code conf} into an unmodifiable, key-sorted (and serializable) map. */
    public SparkConfig {
        conf = Collections.unmodifiableMap(new TreeMap<>(conf == null ? Map.of() : conf));
    }

    /** The cluster manager the master URL names, if it names one. */
    public Optional<ClusterManager> clusterManager() {
        return ClusterManager.of(master);
    }
}
