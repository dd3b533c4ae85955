package io.sparkgrad.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.cluster.ExecutorProcess;
import io.sparkgrad.cluster.LoopbackCluster;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distributed MNIST job on a real standalone cluster (a master and two workers, each its own JVM, executors
 * separate JVMs too), submitted the way a user submits it: {@code bin/sparkgrad-submit --preset standalone} with the
 * shaded job jar. One run as is; one run in which an executor JVM is killed with SIGKILL mid-epoch, inside the
 * training stage (the metrics file proves it: training steps were applied after the kill, and validation only came
 * after them), which must still finish with exactly the weights, test accuracy and test loss of the first: the
 * trainer re-runs the lost step with the same weights, samples and seeds, so a step applied twice or dropped fails.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MnistJobOnLoopbackClusterIT {
    /** 6,400 training images in steps of 64: 100 steps, a progress line every 10. */
    static final int LIMIT = 6400;
    static final Pattern PROGRESS = Pattern.compile("epoch 1/1 \\[[#.]+] (\\d+)/(\\d+) .*");
    static final Duration RUN_TIMEOUT = Duration.ofMinutes(4);

    @TempDir
    static Path tmp;

    static LoopbackCluster cluster;
    static JobResult unkilled;

    record Submitted(int status, List<String> stdout, String stderr, Duration took) {
        String last() {
            return stdout.isEmpty() ? "" : stdout.get(stdout.size() - 1);
        }

        String all() {
            return String.join("\n", stdout) + "\n--- stderr ---\n" + stderr;
        }
    }

    @BeforeAll
    static void startCluster() {
        cluster = LoopbackCluster.builder().workers(2).coresPerWorker(1).memoryPerWorker("1g")
                .startTimeout(Duration.ofSeconds(120)).start();
        System.err.println("MnistJobOnLoopbackClusterIT: cluster up in " + cluster.startupTime().toMillis() + " ms");
        try {
            dropSparkgradFromSparkHome();
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw new IllegalStateException("cannot prepare the cluster's SPARK_HOME", e);
        }
    }

    /**
     * The cluster's SPARK_HOME is laid out from this JVM's classpath, which holds Sparkgrad's own module jars too. A
     * real cluster's Spark has none of them: take them out (the master and workers are already running), so that the
     * driver and the executors load every Sparkgrad class from the shaded job jar, as they would there.
     */
    static void dropSparkgradFromSparkHome() throws IOException {
        List<Path> dropped = new ArrayList<>();
        try (var jars = Files.list(cluster.sparkHome().jars())) {
            for (Path jar : jars.toList()) {
                boolean sparkgrad;
                try (java.util.jar.JarFile f = new java.util.jar.JarFile(jar.toFile())) {
                    sparkgrad = f.stream().anyMatch(e -> e.getName().startsWith("io/sparkgrad/"));
                }
                if (sparkgrad) {
                    Files.delete(jar);
                    dropped.add(jar.getFileName());
                }
            }
        }
        System.err.println("MnistJobOnLoopbackClusterIT: took " + dropped + " out of the cluster's SPARK_HOME/jars");
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    static Path repo() {
        return Path.of(System.getProperty("sparkgrad.repo.dir", "..")).toAbsolutePath().normalize();
    }

    static Path jobJar() {
        String jar = System.getProperty("sparkgrad.job.jar");
        Path p = jar != null ? Path.of(jar) : repo().resolve("cluster-conf/target/sparkgrad-job.jar");
        assertTrue(Files.isRegularFile(p), "the job jar " + p + " is built by `package` before the integration tests");
        return p;
    }

    /** Submits the job with bin/sparkgrad-submit; {@code onLine} sees each stdout line as it comes. */
    static Submitted submit(Path out, Consumer<String> onLine) throws Exception {
        List<String> cmd = List.of(repo().resolve("bin/sparkgrad-submit").toString(),
                "--preset", "standalone",
                "--set", "spark.master=" + cluster.masterUrl(),
                "--set", "spark.conf.spark.executor.memory=768m",
                "--set", "spark.conf.spark.executor.cores=1",
                "--set", "spark.conf.spark.driver.memory=1g",
                "--set", "spark.conf.spark.driver.host=127.0.0.1",
                "--set", "spark.conf.spark.ui.enabled=false",
                "--set", "spark.conf.spark.scheduler.maxRegisteredResourcesWaitingTime=120s",
                "--set", "model.name=tutorial-cnn",
                "--set", "optimizer.name=sgd",
                "--set", "optimizer.lr=0.1",
                "--set", "optimizer.momentum=0.9",
                "--set", "training.globalBatchSize=64",
                "--set", "training.epochs=1",
                "--set", "data.limit=" + LIMIT,
                "--set", "output.outputDir=" + out,
                "--", "train");
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(cluster.environment());
        pb.environment().put("SPARKGRAD_JOB_JAR", jobJar().toString());
        Path err = Files.createTempFile(tmp, "stderr", ".log");
        pb.redirectError(err.toFile());
        long t0 = System.nanoTime();
        Process process = pb.start();
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<Throwable> readerFailure = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                    onLine.accept(line);
                }
            } catch (IOException | RuntimeException e) {
                readerFailure.set(e);
            }
        }, "job-stdout");
        reader.start();
        try {
            assertTrue(process.waitFor(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS),
                    "the job did not finish in " + RUN_TIMEOUT + "; stderr in " + err + "\n" + String.join("\n", lines));
            reader.join(10_000);
        } finally {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        if (readerFailure.get() != null) {
            throw new AssertionError("reading the job's output failed", readerFailure.get());
        }
        return new Submitted(process.exitValue(), List.copyOf(lines), Files.readString(err), Duration.ofNanos(System.nanoTime() - t0));
    }

    static JobResult result(Submitted s, Path out) {
        assertEquals(0, s.status(), s.all());
        Matcher m = JobResult.parse(s.last());
        assertEquals(out.toString(), m.group(5));
        assertEquals("1", m.group(3));
        return new JobResult(Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2)), 1, Double.parseDouble(m.group(4)),
                m.group(5), null, List.of());
    }

    @Test
    @Order(1)
    void theJobJarTrainsOnTheClusterThroughSparkgradSubmit() throws Exception {
        Path out = tmp.resolve("run");
        Submitted s = submit(out, line -> { });
        System.err.println("MnistJobOnLoopbackClusterIT: unkilled run took " + s.took().toSeconds() + " s: " + s.last());
        unkilled = result(s, out);
        assertTrue(s.stdout().stream().anyMatch(l -> l.startsWith("Spark ") && l.contains("master " + cluster.masterUrl())),
                "the job ran on the cluster's master:\n" + s.all());
        assertTrue(s.stdout().stream().anyMatch(l -> l.matches("epoch 1/1  train loss .* val loss .*")), s.all());
        assertTrue(unkilled.testAccuracy() > 0.2, "the tutorial CNN learns on the cluster (chance is 0.1): " + s.last());
        for (String f : List.of("model.safetensors", "metrics.jsonl", "config.yaml", "curves.png", "confusion.png")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
    }

    @Test
    @Order(2)
    void killingAnExecutorMidEpochCostsNothingButTime() throws Exception {
        assertNotNull(unkilled, "needs the unkilled run");
        Path out = tmp.resolve("killed");
        AtomicReference<ExecutorProcess> victim = new AtomicReference<>();
        AtomicReference<String> killedAt = new AtomicReference<>();
        AtomicReference<Long> killedAtMillis = new AtomicReference<>();
        Submitted s = submit(out, line -> {
            Matcher m = PROGRESS.matcher(line);
            if (victim.get() == null && m.matches() && Integer.parseInt(m.group(1)) < Integer.parseInt(m.group(2))) {
                // The only application on the cluster is this job: its executors are all the executors there are.
                List<ExecutorProcess> executors = cluster.executors();
                if (!executors.isEmpty()) {
                    victim.set(executors.get(0));
                    killedAt.set(line);
                    killedAtMillis.set(System.currentTimeMillis());
                    cluster.kill(executors.get(0));
                }
            }
        });
        System.err.println("MnistJobOnLoopbackClusterIT: run with a killed executor took " + s.took().toSeconds() + " s, killed "
                + victim.get() + " at '" + killedAt.get() + "': " + s.last());
        assertNotNull(victim.get(), "an executor was killed mid-epoch:\n" + s.all());
        assertFalse(victim.get().isAlive());
        assertTrue(s.stderr().contains("ExecutorLostFailure") || s.stderr().contains("Lost executor"),
                "the driver saw the executor go:\n" + s.stderr());
        assertKillLandedInTraining(out.resolve("metrics.jsonl"), killedAtMillis.get());
        JobResult killed = result(s, out);
        assertEquals(unkilled.testAccuracy(), killed.testAccuracy(), 0.0,
                "exactly the accuracy of the unkilled run (the lost step re-runs with the same samples and seeds)");
        assertEquals(unkilled.testLoss(), killed.testLoss(), 0.0, "exactly the test loss of the unkilled run");
        assertEquals(weights(tmp.resolve("run")), weights(out), "the weights are bit-identical to the unkilled run's");
    }

    /**
     * The job's metrics file, written by the driver with its clock (this machine's), has a step line every 10 training
     * steps and an epoch line after validation. The kill landed inside the training stage when a step line came before
     * it and the epoch's last step line after it: Spark ran the epoch's barrier stage then, and validation only starts
     * once the last step is applied.
     */
    static void assertKillLandedInTraining(Path metrics, long killedAtMillis) throws IOException {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        List<com.fasterxml.jackson.databind.JsonNode> steps = new ArrayList<>();
        com.fasterxml.jackson.databind.JsonNode epoch = null;
        for (String line : Files.readAllLines(metrics)) {
            com.fasterxml.jackson.databind.JsonNode n = json.readTree(line);
            if (n.path("event").asText().equals("step")) {
                steps.add(n);
            } else if (n.path("event").asText().equals("epoch")) {
                epoch = n;
            }
        }
        assertFalse(steps.isEmpty(), "step lines in " + metrics);
        assertNotNull(epoch, "an epoch line in " + metrics);
        com.fasterxml.jackson.databind.JsonNode last = steps.get(steps.size() - 1);
        assertEquals(LIMIT / 64 - 1, last.path("step").asLong(), "the last step line is the epoch's last step: " + last);
        long firstStep = steps.get(0).path("time").asLong();
        assertTrue(firstStep <= killedAtMillis, "the kill at " + killedAtMillis + " came after training had started (" + steps.get(0) + ")");
        assertTrue(last.path("time").asLong() > killedAtMillis, "the kill at " + killedAtMillis
                + " came before the epoch's last training step, so inside the training stage, not validation: " + last);
        assertTrue(epoch.path("time").asLong() > last.path("time").asLong(), "validation ended after the last step: " + epoch);
    }

    /** The run's trained weights, by tensor name, as the raw float bits of each tensor. */
    static java.util.Map<String, List<Integer>> weights(Path runFolder) throws IOException {
        java.util.Map<String, List<Integer>> out = new java.util.TreeMap<>();
        var file = io.sparkgrad.io.Safetensors.read(runFolder.resolve("model.safetensors"));
        for (var e : file.tensors().entrySet()) {
            float[] v = e.getValue().toFloatArray();
            List<Integer> bits = new ArrayList<>(v.length);
            for (float f : v) {
                bits.add(Float.floatToRawIntBits(f));
            }
            out.put(e.getKey(), bits);
        }
        assertFalse(out.isEmpty(), "tensors in " + runFolder);
        return out;
    }
}
