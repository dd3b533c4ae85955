package io.sparkgrad.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;

/** Each preset's settings and the Spark settings derived from a configuration. */
class PresetTest {
    private static final List<String> FLAGS = List.of("-Da=1", "-Db=2");

    private static JobConfig load(Preset preset, String... sets) {
        JobConfigLoader loader = new JobConfigLoader().preset(preset);
        for (String s : sets) {
            loader.set(s);
        }
        return loader.load().config();
    }

    /** Checks that {@code settings} holds each {@code key=value} (the value is everything after the first {@code =}). */
    private static void assertHolds(Map<String, String> settings, String... expected) {
        for (String keyValue : expected) {
            int eq = keyValue.indexOf('=');
            assertEquals(keyValue.substring(eq + 1), settings.get(keyValue.substring(0, eq)), keyValue.substring(0, eq));
        }
    }

    @Test
    void localRunsEmbeddedWithEveryCore() {
        JobConfig c = load(Preset.LOCAL);
        assertEquals("local[*]", c.spark().master());
        assertEquals(DeployMode.CLIENT, c.spark().deployMode());
        assertEquals(Map.of("spark.ui.enabled", "false"), c.spark().conf(), "an embedded run starts without the web UI");
        assertEquals(Map.of("spark.ui.enabled", "false", "spark.driver.extraJavaOptions", "-Da=1 -Db=2",
                "spark.executor.extraJavaOptions", "-Da=1 -Db=2"), SparkSettings.resolve(c, FLAGS),
                "local mode derives nothing but the JVM flags");
        assertEquals("true", load(Preset.LOCAL, "spark.conf.spark.ui.enabled=true").spark().conf().get("spark.ui.enabled"),
                "the user turns the UI back on");
    }

    @Test
    void standaloneSizesOneExecutorPerWorker() {
        JobConfig c = load(Preset.STANDALONE, "spark.master=spark://m1:7077,m2:7077", "training.workers=3");
        assertEquals(ClusterManager.STANDALONE, c.spark().clusterManager().orElseThrow());
        assertEquals(DeployMode.CLIENT, c.spark().deployMode());
        SortedMap<String, String> s = SparkSettings.resolve(c, FLAGS);
        assertEquals("4g", s.get("spark.executor.memory"));
        assertEquals("2", s.get("spark.executor.cores"));
        assertEquals("2", s.get("spark.task.cpus"), "one task (one worker) per executor uses all its cores");
        assertEquals("6", s.get("spark.cores.max"), "3 workers x 2 cores");
        assertFalse(s.containsKey("spark.executor.instances"), "standalone has no executor count setting");
        assertEquals("1.0", s.get("spark.scheduler.minRegisteredResourcesRatio"), "tasks wait for every worker");
    }

    @Test
    void yarnRunsInTheClusterWithAFixedExecutorCount() {
        JobConfig c = load(Preset.YARN, "training.workers=4");
        assertEquals("yarn", c.spark().master());
        assertEquals(DeployMode.CLUSTER, c.spark().deployMode());
        assertHolds(SparkSettings.resolve(c, FLAGS), "spark.executor.instances=4", "spark.dynamicAllocation.enabled=false",
                "spark.executor.memoryOverhead=1g", "spark.driver.memory=2g", "spark.task.cpus=2");
    }

    @Test
    void k8sNamesNamespaceServiceAccountAndTakesTheImage() {
        JobConfig c = load(Preset.K8S, "spark.master=k8s://https://api.example.com:6443",
                "spark.conf.spark.kubernetes.container.image=reg.example.com/sg:1");
        assertEquals(ClusterManager.KUBERNETES, c.spark().clusterManager().orElseThrow());
        assertEquals(DeployMode.CLUSTER, c.spark().deployMode());
        assertHolds(SparkSettings.resolve(c, FLAGS), "spark.kubernetes.container.image=reg.example.com/sg:1",
                "spark.kubernetes.namespace=default", "spark.kubernetes.authenticate.driver.serviceAccountName=spark",
                "spark.executor.instances=2");
    }

    @Test
    void cudaAsksForOneGpuPerExecutorAndTask() {
        SortedMap<String, String> yarn = SparkSettings.resolve(load(Preset.YARN, "device=cuda"), FLAGS);
        assertEquals("1", yarn.get("spark.executor.resource.gpu.amount"));
        assertEquals("1", yarn.get("spark.task.resource.gpu.amount"));
        assertEquals("./sparkgrad-gpu-discovery.sh", yarn.get("spark.executor.resource.gpu.discoveryScript"));

        SortedMap<String, String> k8s = SparkSettings.resolve(load(Preset.K8S, "device=cuda",
                "spark.master=k8s://https://k:6443", "spark.conf.spark.kubernetes.container.image=i"), FLAGS);
        assertEquals("1", k8s.get("spark.executor.resource.gpu.amount"));
        assertEquals("nvidia.com", k8s.get("spark.executor.resource.gpu.vendor"));
        assertEquals(SparkSettings.SPARK_IMAGE_GPU_SCRIPT, k8s.get("spark.executor.resource.gpu.discoveryScript"));

        SortedMap<String, String> standalone = SparkSettings.resolve(load(Preset.STANDALONE, "device=cuda",
                "spark.master=spark://m:7077"), FLAGS);
        assertEquals("1", standalone.get("spark.task.resource.gpu.amount"));
        assertFalse(standalone.containsKey("spark.executor.resource.gpu.discoveryScript"),
                "standalone workers discover their own GPUs");

        SortedMap<String, String> local = SparkSettings.resolve(load(Preset.LOCAL, "device=cuda"), FLAGS);
        assertFalse(local.containsKey("spark.executor.resource.gpu.amount"), "local mode has no executor resources");
    }

    @Test
    void theUsersSettingsWinOverDerivedOnesAndJvmOptionsMerge() {
        JobConfig c = load(Preset.YARN, "device=cuda", "spark.conf.spark.executor.instances=7",
                "spark.conf.spark.task.cpus=1", "spark.conf.spark.executor.resource.gpu.discoveryScript=/opt/gpu.sh",
                "spark.conf.spark.executor.extraJavaOptions=-XX:+UseG1GC");
        SortedMap<String, String> s = SparkSettings.resolve(c, FLAGS);
        assertEquals("7", s.get("spark.executor.instances"));
        assertEquals("1", s.get("spark.task.cpus"));
        assertEquals("/opt/gpu.sh", s.get("spark.executor.resource.gpu.discoveryScript"));
        assertFalse(SparkSettings.shipsGpuDiscoveryScript(c, s), "the user's own script is not replaced");
        assertEquals("-Da=1 -Db=2 -XX:+UseG1GC", s.get("spark.executor.extraJavaOptions"));
        assertEquals("-Da=1 -Db=2", s.get("spark.driver.extraJavaOptions"));
    }

    @Test
    void everyPresetsYamlIsAValidLayer() {
        for (Preset p : Preset.values()) {
            String yaml = p.yaml();
            assertTrue(yaml.startsWith("# Preset \"" + p.label() + "\""), yaml);
            JobConfigLoader loader = new JobConfigLoader().preset(p);
            p.requiredKeys().forEach(k -> loader.set(k.path(), k.path().equals("spark.master")
                    ? (p == Preset.K8S ? "k8s://https://k:6443" : "spark://m:7077") : "value"));
            assertEquals(p == Preset.LOCAL ? DeployMode.CLIENT : p == Preset.STANDALONE ? DeployMode.CLIENT
                    : DeployMode.CLUSTER, loader.load().config().spark().deployMode(), p.label());
        }
    }
}
