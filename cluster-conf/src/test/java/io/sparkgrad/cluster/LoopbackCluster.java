package io.sparkgrad.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkgrad.conf.JvmFlags;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Spark standalone cluster on this machine for tests: a master and N workers, each its own JVM,
 * bound to 127.0.0.1 on free ports, running from a {@link SparkHome} laid out from this JVM's classpath.
 * Executors the workers start are separate JVMs too; {@link #executors()} lists them and
 * {@link #kill(ExecutorProcess)} kills one with SIGKILL.
 *
 * <pre>{@code
 * try (LoopbackCluster cluster = LoopbackCluster.builder().workers(2).start()) {
 *     SparkSession spark = SparkSession.builder().config(new SparkConf().setAll(...cluster.sparkConf()...))
 *             .getOrCreate();
 *     ...
 * }
 * }</pre>
 *
 * Everything is torn down by {@link #close()}, by a shutdown hook if close is never reached, and, should the
 * test JVM die without running hooks, by the master and workers themselves (they watch this JVM's pid, see
 * {@link ParentWatchdog}); executors exit when their worker goes.
 */
public final class LoopbackCluster implements AutoCloseable {
    private static final String EXECUTOR_MAIN = "org.apache.spark.executor.CoarseGrainedExecutorBackend";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Builder settings;
    private final Path baseDir;
    private final SparkHome sparkHome;
    private final List<Process> workers = new ArrayList<>();
    private final Thread shutdownHook;
    private Process master;
    private int masterPort;
    private int masterWebUiPort;
    private boolean closed;
    private Duration startupTime;

    private LoopbackCluster(Builder settings) throws IOException {
        this.settings = settings;
        this.baseDir = Files.createTempDirectory("sparkgrad-loopback-");
        this.shutdownHook = new Thread(this::destroyAll, "loopback-cluster-teardown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        this.sparkHome = SparkHome.layOut(baseDir.resolve("spark-home"));
        Files.createDirectories(logDir());
    }

    /** A builder with the defaults: 2 workers with 1 core and 1 GiB each, 60 s to start. */
    public static Builder builder() {
        return new Builder();
    }

    /** The master URL, {@code spark://127.0.0.1:<port>}. */
    public String masterUrl() {
        return "spark://127.0.0.1:" + masterPort;
    }

    /** The master's web UI (its JSON state is at {@code json/}). */
    public URI masterWebUi() {
        return URI.create("http://127.0.0.1:" + masterWebUiPort + "/");
    }

    /** The SPARK_HOME the cluster runs from; its {@code bin/spark-submit} submits to it. */
    public SparkHome sparkHome() {
        return sparkHome;
    }

    /** Where the master's and workers' output goes ({@code master.log}, {@code worker-0.log}, ...). */
    public Path logDir() {
        return baseDir.resolve("logs");
    }

    /** How long {@link Builder#start()} took, from laying out SPARK_HOME to every worker registered. */
    public Duration startupTime() {
        return startupTime;
    }

    /**
     * Spark settings for a driver in this JVM: the master, loopback addresses, no UI, one executor per worker
     * with all its cores, the JVM flags, and this JVM's classpath folders (test and main classes) on the
     * executors' classpath (the jars are already in SPARK_HOME/jars).
     */
    public Map<String, String> sparkConf() {
        Map<String, String> conf = new LinkedHashMap<>();
        conf.put("spark.master", masterUrl());
        conf.put("spark.driver.host", "127.0.0.1");
        conf.put("spark.driver.bindAddress", "127.0.0.1");
        conf.put("spark.ui.enabled", "false");
        conf.put("spark.executor.memory", settings.executorMemory);
        conf.put("spark.executor.cores", Integer.toString(settings.coresPerWorker));
        conf.put("spark.cores.max", Integer.toString(settings.workers * settings.coresPerWorker));
        conf.put("spark.executor.extraJavaOptions", settings.executorJavaOptions.isBlank() ? JvmFlags.joined()
                : JvmFlags.joined() + " " + settings.executorJavaOptions);
        String folders = ClasspathEntries.current().stream().filter(Files::isDirectory).map(Path::toString)
                .collect(Collectors.joining(File.pathSeparator));
        if (!folders.isEmpty()) {
            // Absolute paths: relative ones break lambda deserialization on the executors.
            conf.put("spark.executor.extraClassPath", folders);
        }
        return conf;
    }

    /** The environment for a process that submits to this cluster (SPARK_HOME and friends). */
    public Map<String, String> environment() {
        return sparkHome.environment();
    }

    /** The number of workers the master lists as ALIVE now. */
    public int aliveWorkers() {
        JsonNode state = masterState().orElseThrow(() -> new IllegalStateException(
                "the master's JSON state at " + masterWebUi() + "json/ cannot be read"));
        int alive = 0;
        for (JsonNode w : state.path("workers")) {
            if ("ALIVE".equals(w.path("state").asText())) {
                alive++;
            }
        }
        return alive;
    }

    /** Every executor JVM the workers are running now, by worker then executor id. */
    public List<ExecutorProcess> executors() {
        List<ExecutorProcess> out = new ArrayList<>();
        for (int i = 0; i < workers.size(); i++) {
            int worker = i;
            workers.get(i).descendants().filter(ProcessHandle::isAlive).forEach(p -> {
                List<String> args = commandLine(p);
                if (args.contains(EXECUTOR_MAIN)) {
                    out.add(new ExecutorProcess(p.pid(), argument(args, "--app-id"), argument(args, "--executor-id"),
                            worker));
                }
            });
        }
        out.sort(Comparator.comparingInt(ExecutorProcess::worker).thenComparing(ExecutorProcess::executorId));
        return out;
    }

    /** Waits until {@code appId} has at least {@code count} live executors and returns them. */
    public List<ExecutorProcess> awaitExecutors(String appId, int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<ExecutorProcess> mine = executors().stream().filter(e -> e.appId().equals(appId)).toList();
            if (mine.size() >= count) {
                return mine;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("application " + appId + " has " + mine.size() + " executors, not "
                        + count + ", after " + timeout + "; worker logs in " + logDir() + " and "
                        + baseDir.resolve("work-*"));
            }
            Thread.sleep(100);
        }
    }

    /** Kills the executor with SIGKILL ({@code kill -9}) and waits until it is gone. */
    public void kill(ExecutorProcess executor) {
        Optional<ProcessHandle> handle = ProcessHandle.of(executor.pid());
        if (handle.isEmpty()) {
            return;
        }
        handle.get().destroyForcibly();
        try {
            handle.get().onExit().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("executor " + executor + " did not die after SIGKILL", e);
        }
    }

    /**
     * A driver in this JVM on this cluster: {@code conf} plus {@link #sparkConf()}, returned once every worker's
     * executor has registered. When that fails, the session and the cluster are stopped.
     */
    public org.apache.spark.sql.SparkSession startSession(org.apache.spark.SparkConf conf) throws InterruptedException {
        sparkConf().forEach(conf::set);
        org.apache.spark.sql.SparkSession session = null;
        try {
            session = org.apache.spark.sql.SparkSession.builder().config(conf).getOrCreate();
            awaitExecutors(session.sparkContext().applicationId(), settings.workers, Duration.ofSeconds(90));
            return session;
        } catch (RuntimeException | InterruptedException e) {
            stop(this, session);
            throw e;
        }
    }

    /** Stops a driver's {@code session} on {@code cluster} (when there is one), then the cluster (when there is one). */
    public static void stop(LoopbackCluster cluster, org.apache.spark.sql.SparkSession session) {
        try (LoopbackCluster c = cluster) {
            if (session != null) {
                session.stop();
            }
        }
    }

    /** Stops every process of the cluster (executors first) and deletes its files. Safe to call twice. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        destroyAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down; the hook runs anyway.
        }
        deleteTree(baseDir);
    }

    private synchronized void destroyAll() {
        if (closed) {
            return;
        }
        closed = true;
        List<ProcessHandle> all = new ArrayList<>();
        // Children first, and their list taken before any parent dies (orphans leave the tree).
        for (Process p : allProcesses()) {
            p.descendants().forEach(all::add);
        }
        for (Process p : allProcesses()) {
            all.add(p.toHandle());
        }
        all.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle p : all) {
            try {
                p.onExit().get(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                System.err.println("LoopbackCluster: process " + p.pid() + " did not exit after SIGKILL: " + e);
            }
        }
    }

    private List<Process> allProcesses() {
        List<Process> all = new ArrayList<>(workers);
        if (master != null) {
            all.add(master);
        }
        return all;
    }

    private void startProcesses() throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        masterPort = freePort();
        masterWebUiPort = freePort();
        master = launch("master", List.of("org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                "--port", Integer.toString(masterPort), "--webui-port", Integer.toString(masterWebUiPort)));
        long deadline = System.nanoTime() + settings.startTimeout.toNanos();
        awaitState(deadline, "the master to answer at " + masterWebUi() + "json/", s -> true);
        for (int i = 0; i < settings.workers; i++) {
            Path workDir = Files.createDirectories(baseDir.resolve("work-" + i));
            workers.add(launch("worker-" + i, List.of("org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                    "--port", "0", "--webui-port", "0", "--cores", Integer.toString(settings.coresPerWorker),
                    "--memory", settings.memoryPerWorker, "--work-dir", workDir.toString(), masterUrl())));
        }
        awaitState(deadline, settings.workers + " workers to register", s -> {
            int alive = 0;
            for (JsonNode w : s.path("workers")) {
                alive += "ALIVE".equals(w.path("state").asText()) ? 1 : 0;
            }
            return alive >= settings.workers;
        });
        startupTime = Duration.ofNanos(System.nanoTime() - t0);
    }

    private Process launch(String name, List<String> mainAndArgs) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JvmFlags.list());
        cmd.add("-Xmx" + settings.daemonMemory);
        // The master and workers do little work but start many classes: the client compiler alone and the
        // serial collector halve their start-up on a busy two-core machine (measured: ~17 s -> ~8 s).
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-XX:+UseSerialGC");
        settings.daemonConf.forEach((key, value) -> cmd.add("-D" + key + "=" + value));
        cmd.add("-cp");
        // The watchdog's classes (this module's jar or classes folder) before Spark's jars.
        String watchdog = Path.of(URI.create(ParentWatchdog.class.getProtectionDomain().getCodeSource()
                .getLocation().toString())).toString();
        cmd.add(sparkHome.home().resolve("conf") + File.pathSeparator + watchdog
                + File.pathSeparator + sparkHome.jars() + "/*");
        cmd.add(ParentWatchdog.class.getName());
        cmd.add(Long.toString(ProcessHandle.current().pid()));
        cmd.addAll(mainAndArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(baseDir.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("SPARK_"));
        pb.environment().putAll(sparkHome.environment());
        Path log = logDir().resolve(name + ".log");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        return pb.start();
    }

    private void awaitState(long deadline, String what, Predicate<JsonNode> ready)
            throws InterruptedException {
        while (true) {
            for (Process p : allProcesses()) {
                if (!p.isAlive()) {
                    throw startFailure("a cluster process exited (status " + p.exitValue() + ") while waiting for "
                            + what);
                }
            }
            Optional<JsonNode> state = masterState();
            if (state.isPresent() && ready.test(state.get())) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw startFailure("timed out after " + settings.startTimeout + " waiting for " + what);
            }
            Thread.sleep(200);
        }
    }

    private IllegalStateException startFailure(String message) {
        StringBuilder sb = new StringBuilder("LoopbackCluster: ").append(message).append(". Logs in ")
                .append(logDir()).append(':');
        try (Stream<Path> logs = Files.list(logDir())) {
            for (Path log : logs.sorted().toList()) {
                List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                sb.append("\n--- ").append(log.getFileName()).append(" (last lines) ---\n");
                lines.subList(Math.max(0, lines.size() - 15), lines.size()).forEach(l -> sb.append(l).append('\n'));
            }
        } catch (IOException e) {
            sb.append(" (unreadable: ").append(e).append(')');
        }
        return new IllegalStateException(sb.toString());
    }

    private Optional<JsonNode> masterState() {
        try {
            URL url = masterWebUi().resolve("json/").toURL();
            URLConnection c = url.openConnection();
            c.setConnectTimeout(1000);
            c.setReadTimeout(5000);
            try (var in = c.getInputStream()) {
                return Optional.of(JSON.readTree(in));
            }
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static List<String> commandLine(ProcessHandle p) {
        // /proc has the full command line; ProcessHandle.Info is the portable fallback.
        Path cmdline = Path.of("/proc", Long.toString(p.pid()), "cmdline");
        try {
            String raw = Files.readString(cmdline, StandardCharsets.UTF_8);
            return List.of(raw.split("\0"));
        } catch (IOException | UncheckedIOException e) {
            List<String> out = new ArrayList<>();
            p.info().command().ifPresent(out::add);
            p.info().arguments().ifPresent(a -> out.addAll(List.of(a)));
            return out;
        }
    }

    private static String argument(List<String> args, String name) {
        int i = args.indexOf(name);
        return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : "";
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            System.err.println("LoopbackCluster: could not delete everything in " + dir + ": " + e);
        }
    }

    /** Settings for a {@link LoopbackCluster}. */
    public static final class Builder {
        private int workers = 2;
        private int coresPerWorker = 1;
        private String memoryPerWorker = "1g";
        private String executorMemory = "512m";
        private String daemonMemory = "256m";
        private Duration startTimeout = Duration.ofSeconds(60);
        private String executorJavaOptions = "";
        private final Map<String, String> daemonConf = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * A Spark setting for the master and the workers themselves (system properties of their JVMs), for instance
         * {@code spark.authenticate} and {@code spark.authenticate.secret}, which a standalone cluster's daemons must
         * share with the applications that use it.
         */
        public Builder daemonConf(String key, String value) {
            if (!key.startsWith("spark.")) {
                throw new IllegalArgumentException("daemonConf takes Spark settings (spark.*), got " + key);
            }
            daemonConf.put(key, value);
            return this;
        }

        /** Number of workers (each starts one executor per application). */
        public Builder workers(int workers) {
            if (workers < 1) {
                throw new IllegalArgumentException("workers must be at least 1, got " + workers);
            }
            this.workers = workers;
            return this;
        }

        /** Cores each worker offers (and each executor takes). */
        public Builder coresPerWorker(int cores) {
            if (cores < 1) {
                throw new IllegalArgumentException("coresPerWorker must be at least 1, got " + cores);
            }
            this.coresPerWorker = cores;
            return this;
        }

        /** Memory each worker offers, in Spark's notation ({@code 1g}, {@code 768m}). */
        public Builder memoryPerWorker(String memory) {
            this.memoryPerWorker = memory;
            return this;
        }

        /** {@code spark.executor.memory} in {@link #sparkConf()}; must fit in a worker's memory. */
        public Builder executorMemory(String memory) {
            this.executorMemory = memory;
            return this;
        }

        /**
         * Extra JVM options for the executors in {@link #sparkConf()}, after the JVM flags; for instance
         * {@code -XX:TieredStopAtLevel=1} to start faster where tests compute little.
         */
        public Builder executorJavaOptions(String options) {
            this.executorJavaOptions = options == null ? "" : options.strip();
            return this;
        }

        /** Heap of the master and worker JVMs themselves. */
        public Builder daemonMemory(String memory) {
            this.daemonMemory = memory;
            return this;
        }

        /** How long to wait for the master and every worker. */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = timeout;
            return this;
        }

        /** Starts the cluster and waits until every worker is registered; tears down what started on failure. */
        public LoopbackCluster start() {
            LoopbackCluster cluster;
            try {
                cluster = new LoopbackCluster(this);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot prepare the loopback cluster's folder", e);
            }
            try {
                cluster.startProcesses();
                return cluster;
            } catch (IOException e) {
                cluster.close();
                throw new UncheckedIOException("cannot start the loopback cluster", e);
            } catch (InterruptedException e) {
                cluster.close();
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting the loopback cluster", e);
            } catch (RuntimeException e) {
                cluster.close();
                throw e;
            }
        }
    }
}
