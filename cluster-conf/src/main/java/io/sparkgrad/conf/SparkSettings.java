package io.sparkgrad.conf;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The Spark settings a job runs with: the configuration's pass-through {@code spark.conf} plus the ones
 * derived from the rest of it. Derived settings never replace one the user gave, except the JVM options,
 * which are merged (the required flags first, the user's after).
 *
 * <ul>
 *   <li>JVM flags ({@link JvmFlags}) in {@code spark.driver.extraJavaOptions} and
 *       {@code spark.executor.extraJavaOptions}.</li>
 *   <li>One gradient worker per executor: {@code spark.task.cpus} = {@code spark.executor.cores} (the
 *       worker's engine uses all of them); YARN and Kubernetes: {@code spark.executor.instances} =
 *       {@code training.workers} and dynamic allocation off; standalone: {@code spark.cores.max} =
 *       workers x cores. On any cluster, scheduling waits until every executor has registered
 *       ({@code spark.scheduler.minRegisteredResourcesRatio} 1.0, for at most
 *       {@code spark.scheduler.maxRegisteredResourcesWaitingTime}, 30 s by default).</li>
 *   <li>{@code device: cuda} on a cluster: one GPU per executor and per task
 *       ({@code spark.executor.resource.gpu.amount}, {@code spark.task.resource.gpu.amount}), so one worker
 *       per GPU; YARN finds the GPUs with {@link GpuDiscoveryScript} (shipped with {@code --files}),
 *       Kubernetes with the discovery script of Spark's images and the {@code nvidia.com} vendor;
 *       standalone workers discover their GPUs themselves ({@code spark.worker.resource.gpu.*}).</li>
 * </ul>
 */
public final class SparkSettings {
    /** Where Spark's own images keep their GPU discovery script. */
    public static final String SPARK_IMAGE_GPU_SCRIPT = "/opt/spark/examples/src/main/scripts/getGpusResources.sh";

    private SparkSettings() {
    }

    /** The settings for {@code config} with the JVM flags of this build. */
    public static SortedMap<String, String> resolve(JobConfig config) {
        return resolve(config, JvmFlags.list());
    }

    /** The settings for {@code config} with the given JVM flags, sorted by key. */
    public static SortedMap<String, String> resolve(JobConfig config, List<String> jvmFlags) {
        SparkConfig spark = config.spark();
        TreeMap<String, String> out = new TreeMap<>(spark.conf());
        String flags = String.join(" ", jvmFlags);
        for (String key : List.of("spark.driver.extraJavaOptions", "spark.executor.extraJavaOptions")) {
            String user = out.get(key);
            out.put(key, user == null || user.isBlank() ? flags : flags + " " + user.strip());
        }
        ClusterManager cm = spark.clusterManager().orElse(ClusterManager.LOCAL);
        if (spark.secure()) {
            out.putIfAbsent("spark.authenticate", "true");
            out.putIfAbsent("spark.network.crypto.enabled", "true");
        }
        int workers = config.training().workers();
        String cores = out.get("spark.executor.cores");
        if (cm != ClusterManager.LOCAL && cores != null) {
            out.putIfAbsent("spark.task.cpus", cores);
        }
        if (cm != ClusterManager.LOCAL) {
            // Training needs every worker: start scheduling only once all executors have registered.
            out.putIfAbsent("spark.scheduler.minRegisteredResourcesRatio", "1.0");
        }
        switch (cm) {
            case STANDALONE -> {
                if (cores != null && cores.strip().matches("\\d+")) {
                    out.putIfAbsent("spark.cores.max", Integer.toString(workers * Integer.parseInt(cores.strip())));
                }
            }
            case YARN, KUBERNETES -> {
                out.putIfAbsent("spark.executor.instances", Integer.toString(workers));
                out.putIfAbsent("spark.dynamicAllocation.enabled", "false");
            }
            case LOCAL -> {
            }
        }
        if (config.device() == DeviceType.CUDA && cm != ClusterManager.LOCAL) {
            out.putIfAbsent("spark.executor.resource.gpu.amount", "1");
            out.putIfAbsent("spark.task.resource.gpu.amount", "1");
            if (cm == ClusterManager.YARN) {
                out.putIfAbsent("spark.executor.resource.gpu.discoveryScript", "./" + GpuDiscoveryScript.FILE_NAME);
            } else if (cm == ClusterManager.KUBERNETES) {
                out.putIfAbsent("spark.executor.resource.gpu.vendor", "nvidia.com");
                out.putIfAbsent("spark.executor.resource.gpu.discoveryScript", SPARK_IMAGE_GPU_SCRIPT);
            }
        }
        return Collections.unmodifiableSortedMap(out);
    }

    /**
     * Whether spark-submit must ship Sparkgrad's GPU discovery script: YARN with {@code device: cuda} and the
     * script setting left to Sparkgrad.
     */
    public static boolean shipsGpuDiscoveryScript(JobConfig config, Map<String, String> resolved) {
        return config.device() == DeviceType.CUDA
                && config.spark().clusterManager().orElse(ClusterManager.LOCAL) == ClusterManager.YARN
                && ("./" + GpuDiscoveryScript.FILE_NAME).equals(resolved.get("spark.executor.resource.gpu.discoveryScript"));
    }
}
