package io.sparkgrad.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.conf.RepoFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.ExecutorLostFailure;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import scala.Tuple2;

/**
 * A real standalone cluster (master + 2 workers, each a JVM) with this JVM as the driver: executors are
 * separate JVMs, a job survives the SIGKILL of an executor; then a job submitted the way users do
 * (bin/sparkgrad-submit, the cluster's bin/spark-submit, a job jar) runs there with the launcher's JVM
 * flags; and close() leaves no process behind.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LoopbackClusterTest {
    private static LoopbackCluster cluster;
    private static SparkSession spark;
    private static JavaSparkContext jsc;

    @BeforeAll
    static void start() {
        // Two cores per worker: this JVM's application takes one on each, leaving one on each for the
        // application submitted with bin/sparkgrad-submit. The jobs compute little: the client compiler
        // starts executors faster.
        cluster = LoopbackCluster.builder().workers(2).coresPerWorker(2)
                .executorJavaOptions("-XX:TieredStopAtLevel=1").start();
        System.err.println("LoopbackClusterTest: cluster up in " + cluster.startupTime().toMillis() + " ms");
        try {
            SparkConf conf = new SparkConf().setAppName("loopback-cluster-test");
            cluster.sparkConf().forEach(conf::set);
            conf.set("spark.executor.cores", "1").set("spark.cores.max", "2");
            spark = SparkSession.builder().config(conf).getOrCreate();
            jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    @AfterAll
    static void stop() {
        try {
            if (spark != null) {
                spark.stop();
            }
        } finally {
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    @Test
    @Order(1)
    void theMasterAndBothWorkersRunOnLoopback() {
        assertTrue(cluster.masterUrl().matches("spark://127\\.0\\.0\\.1:\\d+"), cluster.masterUrl());
        assertEquals(2, cluster.aliveWorkers());
        assertTrue(Files.isExecutable(cluster.sparkHome().sparkSubmit()));
    }

    @Test
    @Order(2)
    void tasksRunInExecutorJvmsSeparateFromTheDriver() throws Exception {
        String appId = spark.sparkContext().applicationId();
        List<ExecutorProcess> executors = cluster.awaitExecutors(appId, 2, Duration.ofSeconds(60));
        Set<Long> executorPids = executors.stream().map(ExecutorProcess::pid).collect(Collectors.toSet());
        assertEquals(Set.of(0, 1), executors.stream().map(ExecutorProcess::worker).collect(Collectors.toSet()),
                "one executor per worker");

        // The processes exist before both have registered with the driver: until they have, the scheduler gives
        // every task to the one it knows (a CI run saw all four on one executor).
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (spark.sparkContext().statusTracker().getExecutorInfos().length < 3 && System.nanoTime() < deadline) {
            Thread.sleep(50); // the driver counts as one
        }
        // Eight tasks, slow enough that both single-core executors take some.
        List<Long> pids = jsc.parallelize(List.of(1, 2, 3, 4, 5, 6, 7, 8), 8).map(x -> {
            Thread.sleep(300);
            return ProcessHandle.current().pid();
        }).collect();
        long driverPid = ProcessHandle.current().pid();
        assertFalse(pids.contains(driverPid), "no task ran in the driver JVM");
        assertEquals(executorPids, Set.copyOf(pids), "the tasks ran in exactly the listed executor JVMs");
    }

    @Test
    @Order(3)
    void aJobFinishesWithTheRightResultWhenAnExecutorIsKilledMidJob() throws Exception {
        String appId = spark.sparkContext().applicationId();
        cluster.awaitExecutors(appId, 2, Duration.ofSeconds(60));
        CountDownLatch firstTaskStarted = new CountDownLatch(1);
        List<String> startedOn = Collections.synchronizedList(new ArrayList<>());
        Set<String> lostExecutors = ConcurrentHashMap.newKeySet();
        SparkListener listener = new SparkListener() {
            @Override
            public void onTaskStart(SparkListenerTaskStart start) {
                startedOn.add(start.taskInfo().executorId());
                firstTaskStarted.countDown();
            }

            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                if (end.reason() instanceof ExecutorLostFailure lost) {
                    lostExecutors.add(lost.execId());
                }
            }
        };
        spark.sparkContext().addSparkListener(listener);
        try {
            int partitions = 6;
            long n = 6_000;
            JavaRDD<Long> numbers = jsc.parallelize(
                    IntStream.rangeClosed(1, (int) n).mapToObj(i -> (long) i).toList(), partitions);
            // Each task takes ~1.5 s, so the kill lands while tasks are running.
            CompletableFuture<List<Tuple2<Long, Long>>> job = CompletableFuture.supplyAsync(() ->
                    numbers.mapPartitions(it -> {
                        long sum = 0;
                        while (it.hasNext()) {
                            sum += it.next();
                        }
                        Thread.sleep(1500);
                        return List.of(new Tuple2<>(sum, ProcessHandle.current().pid())).iterator();
                    }).collect());

            assertTrue(firstTaskStarted.await(60, TimeUnit.SECONDS), "no task started");
            String victimId = startedOn.get(0);
            ExecutorProcess victim = cluster.executors().stream()
                    .filter(e -> e.appId().equals(appId) && e.executorId().equals(victimId)).findFirst()
                    .orElseThrow(() -> new AssertionError("executor " + victimId + " is not among "
                            + cluster.executors()));
            cluster.kill(victim);
            assertFalse(victim.isAlive());

            List<Tuple2<Long, Long>> results = job.get(120, TimeUnit.SECONDS);
            assertEquals(partitions, results.size());
            assertEquals(n * (n + 1) / 2, results.stream().mapToLong(Tuple2::_1).sum(),
                    "every partition counted exactly once");
            assertTrue(lostExecutors.contains(victimId),
                    "a task failed with ExecutorLostFailure on the killed executor " + victimId + ": " + lostExecutors);
            assertTrue(results.stream().anyMatch(r -> r._2() != victim.pid()),
                    "the lost tasks were re-run on another executor JVM");

            // The worker replaces the dead executor with a new JVM.
            List<ExecutorProcess> after = cluster.awaitExecutors(appId, 2, Duration.ofSeconds(60));
            assertTrue(after.stream().noneMatch(e -> e.pid() == victim.pid()));
            assertNotEquals(victimId, after.stream().filter(e -> e.worker() == victim.worker()).findFirst()
                    .orElseThrow().executorId(), "the replacement has a new executor id");
        } finally {
            spark.sparkContext().removeSparkListener(listener);
        }
    }

    @Test
    @Order(4)
    void aJobSubmittedWithSparkgradSubmitRunsOnTheClusterWithTheLaunchersJvmFlags(@TempDir Path tmp) throws Exception {
        // A thin job jar of this build's classes (its dependencies are in the cluster's SPARK_HOME/jars).
        Path jar = ThinJobJar.write(tmp.resolve("sparkgrad-job.jar"));
        // The launcher reads bin/jvm-flags next to itself: a copy with a marker shows the flags arrive.
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path submit = Files.copy(RepoFiles.bin("sparkgrad-submit"), bin.resolve("sparkgrad-submit"));
        Files.writeString(bin.resolve("jvm-flags"), Files.readString(RepoFiles.bin("jvm-flags"))
                + "-Dprobe.flags.marker=from-jvm-flags\n");

        ProcessBuilder pb = new ProcessBuilder(submit.toString(), "--preset", "standalone",
                "--set", "spark.master=" + cluster.masterUrl(),
                "--set", "spark.conf.spark.executor.memory=512m",
                "--set", "spark.conf.spark.executor.cores=1",
                "--set", "spark.conf.spark.driver.memory=512m",
                "--set", "spark.conf.spark.driver.extraJavaOptions=-XX:TieredStopAtLevel=1 -Dprobe.user.option=d",
                "--set", "spark.conf.spark.executor.extraJavaOptions=-XX:TieredStopAtLevel=1 -Dprobe.user.option=e",
                "--set", "spark.conf.spark.driver.host=127.0.0.1",
                "--set", "spark.conf.spark.scheduler.maxRegisteredResourcesWaitingTime=120s",
                "--", "probe");
        pb.environment().putAll(cluster.environment());
        pb.environment().put("SPARKGRAD_JOB_JAR", jar.toString());
        pb.environment().put("SPARKGRAD_MAIN_CLASS", SubmitProbe.class.getName());
        Path output = tmp.resolve("submit.log");
        pb.redirectErrorStream(true).redirectOutput(output.toFile());
        Process process = pb.start();
        try {
            assertTrue(process.waitFor(150, TimeUnit.SECONDS), "sparkgrad-submit did not finish; output in " + output);
        } finally {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        String log = Files.readString(output);
        assertEquals(0, process.exitValue(), log);

        List<String> probe = log.lines().filter(l -> l.startsWith("PROBE ")).toList();
        assertEquals(3, probe.size(), log);
        String driver = probe.get(0);
        assertTrue(driver.startsWith("PROBE driver ") && driver.contains(" marker=from-jvm-flags user=d ")
                && driver.endsWith(" master=" + cluster.masterUrl()), driver);
        Set<String> executorPids = ConcurrentHashMap.newKeySet();
        for (String e : probe.subList(1, 3)) {
            assertTrue(e.startsWith("PROBE executor ") && e.endsWith(" marker=from-jvm-flags user=e"), e);
            executorPids.add(e.split(" ")[2]);
        }
        assertEquals(2, executorPids.size(), "one task on each worker's executor: " + probe);
        String driverPid = driver.split(" ")[2];
        assertFalse(executorPids.contains(driverPid), "the driver is not an executor");
        assertFalse(executorPids.contains("pid=" + ProcessHandle.current().pid()));
    }

    @Test
    @Order(5)
    void closeStopsEveryProcessAndDeletesTheFolder() throws Exception {
        // This JVM's application is still running, so its executors are alive when the cluster closes.
        List<ExecutorProcess> executors = cluster.awaitExecutors(spark.sparkContext().applicationId(), 2,
                Duration.ofSeconds(60));
        List<ProcessHandle> daemons = new ArrayList<>();
        ProcessHandle.current().children().filter(p -> p.info().arguments()
                .map(a -> List.of(a).contains(ParentWatchdog.class.getName())).orElse(false)).forEach(daemons::add);
        assertEquals(3, daemons.size(), "a master and two workers, started by this JVM");
        Path home = cluster.sparkHome().home();

        cluster.close();

        for (ExecutorProcess e : executors) {
            assertFalse(e.isAlive(), "executor " + e + " outlived close()");
        }
        for (ProcessHandle d : daemons) {
            assertFalse(d.isAlive(), "daemon " + d.pid() + " outlived close()");
        }
        assertFalse(Files.exists(home), "the cluster's folder is deleted");
    }
}
