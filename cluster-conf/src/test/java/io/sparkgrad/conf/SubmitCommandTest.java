package io.sparkgrad.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generated spark-submit command lines, checked argument by argument. */
class SubmitCommandTest {
    private static final List<String> FLAGS = List.of("--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-modules=jdk.incubator.vector");
    private static final String JAVA_OPTS = "--add-opens=java.base/java.nio=ALL-UNNAMED --add-modules=jdk.incubator.vector";
    private static final String MAIN = "io.sparkgrad.cli.SparkgradMain";
    /** The settings the yarn and k8s presets share, as spark-submit gets them (sorted among the others). */
    private static final List<String> CLUSTER_PRESET_CONFS = List.of(
            "--conf", "spark.driver.extraJavaOptions=" + JAVA_OPTS,
            "--conf", "spark.driver.memory=2g",
            "--conf", "spark.dynamicAllocation.enabled=false",
            "--conf", "spark.executor.cores=2",
            "--conf", "spark.executor.extraJavaOptions=" + JAVA_OPTS,
            "--conf", "spark.executor.instances=2",
            "--conf", "spark.executor.memory=4g");

    @TempDir
    Path dir;

    @SafeVarargs
    private static List<String> concat(List<String>... parts) {
        return Stream.of(parts).flatMap(List::stream).toList();
    }

    /** How a cluster-mode command line starts: the master, the deploy mode, the app name, the main class and the shipped files. */
    private static List<String> clusterHead(String master, String name, String files) {
        return List.of("spark-submit", "--master", master, "--deploy-mode", "cluster", "--name", name, "--class", MAIN, "--files", files);
    }

    /** The command line for {@code loaded} with the test's JVM flags, the job jar and the job's arguments. */
    private static List<String> argv(LoadedConfig loaded, String jar, String... jobArgs) {
        return SubmitCommand.builder(loaded).jvmFlags(FLAGS).jobJar(jar).jobArguments(List.of(jobArgs)).build().argv();
    }

    private Path jobYaml() throws Exception {
        return JobYaml.write(dir, "training:\n  epochs: 3\n");
    }

    @Test
    void yarnClusterModeShipsTheConfigFileAndNamesItByItsFileName() throws Exception {
        Path file = jobYaml();
        LoadedConfig loaded = new JobConfigLoader().preset(Preset.YARN).file(file)
                .set("optimizer.lr=0.05").set("spark.conf.spark.yarn.queue=ml").load();
        assertEquals(concat(clusterHead("yarn", "sparkgrad", file.toString()), CLUSTER_PRESET_CONFS, List.of(
                "--conf", "spark.executor.memoryOverhead=1g",
                "--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0",
                "--conf", "spark.task.cpus=2",
                "--conf", "spark.yarn.queue=ml",
                "hdfs:///apps/sparkgrad-job.jar",
                "--preset", "yarn", "--config", "job.yaml", "--set", "optimizer.lr=0.05",
                "--set", "spark.conf.spark.yarn.queue=ml",
                "train")), argv(loaded, "hdfs:///apps/sparkgrad-job.jar", "train"));
    }

    @Test
    void yarnWithCudaShipsTheGpuDiscoveryScript() throws Exception {
        Path script = GpuDiscoveryScript.extractTo(dir.resolve("gpu"));
        LoadedConfig loaded = new JobConfigLoader().preset(Preset.YARN).set("device=cuda").set("training.workers=4")
                .set("spark.conf.spark.files=hdfs:///shared/vocab.txt").load();
        List<String> argv = SubmitCommand.builder(loaded).jvmFlags(FLAGS).gpuDiscoveryScript(script)
                .jobJar("/opt/jobs/sparkgrad-job.jar").jobArguments(List.of("train", "--resume")).build().argv();
        assertEquals(concat(clusterHead("yarn", "sparkgrad", "hdfs:///shared/vocab.txt," + script), List.of(
                "--conf", "spark.driver.extraJavaOptions=" + JAVA_OPTS,
                "--conf", "spark.driver.memory=2g",
                "--conf", "spark.dynamicAllocation.enabled=false",
                "--conf", "spark.executor.cores=2",
                "--conf", "spark.executor.extraJavaOptions=" + JAVA_OPTS,
                "--conf", "spark.executor.instances=4",
                "--conf", "spark.executor.memory=4g",
                "--conf", "spark.executor.memoryOverhead=1g",
                "--conf", "spark.executor.resource.gpu.amount=1",
                "--conf", "spark.executor.resource.gpu.discoveryScript=./sparkgrad-gpu-discovery.sh",
                "--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0",
                "--conf", "spark.task.cpus=2",
                "--conf", "spark.task.resource.gpu.amount=1",
                "/opt/jobs/sparkgrad-job.jar",
                "--preset", "yarn", "--set", "device=cuda", "--set", "training.workers=4",
                "--set", "spark.conf.spark.files=hdfs:///shared/vocab.txt",
                "train", "--resume")), argv);
        assertTrue(Files.isExecutable(script));
    }

    @Test
    void kubernetesClusterMode() throws Exception {
        Path file = jobYaml();
        LoadedConfig loaded = new JobConfigLoader().preset(Preset.K8S).file(file)
                .set("spark.master=k8s://https://k8s.example.com:6443")
                .set("spark.conf.spark.kubernetes.container.image=registry.example.com/sparkgrad:0.1.0")
                .set("spark.conf.spark.kubernetes.file.upload.path=s3a://bucket/uploads")
                .set("spark.appName=mnist")
                .load();
        assertEquals(concat(clusterHead("k8s://https://k8s.example.com:6443", "mnist", file.toString()), CLUSTER_PRESET_CONFS, List.of(
                "--conf", "spark.kubernetes.authenticate.driver.serviceAccountName=spark",
                "--conf", "spark.kubernetes.container.image=registry.example.com/sparkgrad:0.1.0",
                "--conf", "spark.kubernetes.container.image.pullPolicy=IfNotPresent",
                "--conf", "spark.kubernetes.file.upload.path=s3a://bucket/uploads",
                "--conf", "spark.kubernetes.namespace=default",
                "--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0",
                "--conf", "spark.task.cpus=2",
                "local:///opt/sparkgrad/sparkgrad-job.jar",
                "--preset", "k8s", "--config", "job.yaml",
                "--set", "spark.master=k8s://https://k8s.example.com:6443",
                "--set", "spark.conf.spark.kubernetes.container.image=registry.example.com/sparkgrad:0.1.0",
                "--set", "spark.conf.spark.kubernetes.file.upload.path=s3a://bucket/uploads",
                "--set", "spark.appName=mnist",
                "train")), argv(loaded, "local:///opt/sparkgrad/sparkgrad-job.jar", "train"));
    }

    @Test
    void kubernetesWithCudaUsesTheImagesDiscoveryScriptAndNvidiaVendor() {
        LoadedConfig loaded = new JobConfigLoader().preset(Preset.K8S).set("device=cuda")
                .set("spark.master=k8s://https://k:6443").set("spark.conf.spark.kubernetes.container.image=img")
                .load();
        List<String> argv = argv(loaded, "local:///job.jar");
        assertTrue(argv.contains("spark.executor.resource.gpu.vendor=nvidia.com"), argv.toString());
        assertTrue(argv.contains("spark.executor.resource.gpu.discoveryScript=" + SparkSettings.SPARK_IMAGE_GPU_SCRIPT));
        assertTrue(!argv.contains("--files"), "nothing to upload, so no upload path is needed: " + argv);
    }

    @Test
    void kubernetesClusterModeWithALocalFileNeedsAnUploadPath() throws Exception {
        LoadedConfig loaded = new JobConfigLoader().preset(Preset.K8S).file(jobYaml())
                .set("spark.master=k8s://https://k:6443").set("spark.conf.spark.kubernetes.container.image=img")
                .load();
        ConfigException e = assertThrows(ConfigException.class,
                () -> SubmitCommand.builder(loaded).jobJar("local:///job.jar").build());
        assertEquals("spark.conf.spark.kubernetes.file.upload.path", e.problems().get(0).path());
        assertTrue(e.getMessage().contains("missing required value: Kubernetes cluster mode uploads local files ("
                + dir.resolve("job.yaml") + ")"), e.getMessage());
    }

    @Test
    void standaloneClientModeGivesTheJobTheAbsoluteConfigPath() throws Exception {
        Path file = jobYaml();
        LoadedConfig loaded = new JobConfigLoader().preset(Preset.STANDALONE).file(file)
                .set("spark.master=spark://10.0.0.5:7077").load();
        List<String> argv = SubmitCommand.builder(loaded).jvmFlags(FLAGS).jobJar("/jobs/job.jar")
                .mainClass("org.example.Main").sparkSubmit("/opt/spark/bin/spark-submit").build().argv();
        assertEquals(List.of("/opt/spark/bin/spark-submit",
                "--master", "spark://10.0.0.5:7077",
                "--deploy-mode", "client",
                "--name", "sparkgrad",
                "--class", "org.example.Main",
                "--conf", "spark.cores.max=4",
                "--conf", "spark.driver.extraJavaOptions=" + JAVA_OPTS,
                "--conf", "spark.driver.memory=2g",
                "--conf", "spark.executor.cores=2",
                "--conf", "spark.executor.extraJavaOptions=" + JAVA_OPTS,
                "--conf", "spark.executor.memory=4g",
                "--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0",
                "--conf", "spark.task.cpus=2",
                "/jobs/job.jar",
                "--preset", "standalone", "--config", file.toAbsolutePath().toString(),
                "--set", "spark.master=spark://10.0.0.5:7077"), argv);
    }

    @Test
    void standaloneClusterModeCannotShipTheConfigFile() throws Exception {
        LoadedConfig loaded = new JobConfigLoader().preset(Preset.STANDALONE).file(jobYaml())
                .set("spark.master=spark://m:7077").set("spark.deployMode=cluster").load();
        ConfigException e = assertThrows(ConfigException.class,
                () -> SubmitCommand.builder(loaded).jobJar("/jobs/job.jar").build());
        assertEquals("spark.deployMode", e.problems().get(0).path());
        assertEquals("--set spark.deployMode=cluster", e.problems().get(0).origin());
    }

    @Test
    void localUsesTheBuiltInJvmFlagsByDefault() {
        List<String> argv = SubmitCommand.builder(new JobConfigLoader().load()).jobJar("job.jar").build().argv();
        List<String> expected = new ArrayList<>(List.of("spark-submit", "--master", "local[*]", "--deploy-mode",
                "client", "--name", "sparkgrad", "--class", MAIN,
                "--conf", "spark.driver.extraJavaOptions=" + JvmFlags.joined(),
                "--conf", "spark.executor.extraJavaOptions=" + JvmFlags.joined(),
                "--conf", "spark.ui.enabled=false", // the local preset's
                "job.jar", "--preset", "local"));
        assertEquals(expected, argv);
    }

    @Test
    void theShellStringQuotesWhatNeedsQuoting() {
        SubmitCommand c = new SubmitCommand(List.of("spark-submit", "--master", "local[*]", "--name", "it's",
                "--conf", "a=b c", "plain/path.jar"));
        assertEquals("spark-submit --master 'local[*]' --name 'it'\\''s' --conf 'a=b c' plain/path.jar",
                c.toShellString());
        assertEquals(c.argv().subList(1, 8), c.arguments());
    }
}
