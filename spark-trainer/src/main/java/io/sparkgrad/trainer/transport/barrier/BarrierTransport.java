package io.sparkgrad.trainer.transport.barrier;

import io.sparkgrad.trainer.TrainingException;
import io.sparkgrad.trainer.transport.EpochSpec;
import io.sparkgrad.trainer.transport.GradientTransport;
import io.sparkgrad.trainer.transport.StepHandler;
import io.sparkgrad.trainer.transport.TransportContext;
import io.sparkgrad.trainer.transport.TransportSession;
import io.sparkgrad.trainer.transport.WorkerSpec;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.rdd.RDD;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;

/**
 * The default transport: one barrier stage per epoch, and a per-step exchange with an aggregation server on the
 * driver over an authenticated socket.
 *
 * <p>Spark gang-schedules the epoch's tasks (one per partition), so all workers are up together; each connects to
 * the server, proves it holds the run's secret (HMAC challenge-response), and then for every step receives
 * the weights and its slice of the global batch and sends back its gradient sum as little-endian floats. The
 * driver sums in a fixed order, steps the optimizer and replies with the new weights.
 *
 * <p>In local mode the tasks run in the driver's JVM: they find the server there, prove they hold the secret, and
 * exchange in memory ({@link InProcessLink}), the same protocol without a socket or frames
 * ({@link #withInProcessExchange}). Tasks in other JVMs always use the socket.
 *
 * <p>Every frame on the channel is encrypted and authenticated with AES-GCM under per-connection keys, records bound to
 * a counter ({@link FrameProtection}); with {@code spark.authenticate} the channel secret is derived from Spark's
 * secret ({@link ChannelSecurity}). On a cluster without {@code spark.authenticate} a run logs a
 * warning at its start. The server listens on any free port, or on {@link #withChannelPort a fixed port or range}. Spark's
 * {@code BarrierTaskContext.barrier()} is never called: it sleep-polls for about a second, longer than a step.
 *
 * <p>The barrier stage feeds a tiny shuffle, which makes it a shuffle-map stage: when a task fails, Spark
 * relaunches the whole gang (a failed barrier result stage would not be retried at all). The relaunched tasks
 * rejoin at the driver's current step, so a failure costs the step in flight and the trajectory is unchanged.
 *
 * <p>Needs as many free task slots as workers, and no dynamic allocation; use
 * {@link io.sparkgrad.trainer.transport.stage.StagePerStepTransport} otherwise.
 */
public final class BarrierTransport implements GradientTransport {

    private static final ClassTag<int[]> REPORT_TAG = ClassTag$.MODULE$.apply(int[].class);

    private static final Logger LOG = LoggerFactory.getLogger(BarrierTransport.class);

    private final Duration connectTimeout;
    private final Duration handshakeTimeout;
    private final ChannelPorts channelPorts;
    private final boolean inProcess;

    /** With a 30 s connect timeout, a 10 s handshake deadline and any free port. */
    public BarrierTransport() {
        this(Duration.ofSeconds(30), Duration.ofSeconds(10));
    }

    /**
     * @param connectTimeout   how long a worker tries to reach the driver's server
     * @param handshakeTimeout how long the server waits for a connecting client to authenticate (one deadline for the
     *                         whole handshake)
     */
    public BarrierTransport(Duration connectTimeout, Duration handshakeTimeout) {
        this(connectTimeout, handshakeTimeout, ChannelPorts.ANY, true);
    }

    private BarrierTransport(Duration connectTimeout, Duration handshakeTimeout, ChannelPorts channelPorts, boolean inProcess) {
        if (connectTimeout.isNegative() || connectTimeout.isZero() || handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("barrier transport timeouts must be positive, got connect=" + connectTimeout
                    + " handshake=" + handshakeTimeout);
        }
        this.connectTimeout = connectTimeout;
        this.handshakeTimeout = handshakeTimeout;
        this.channelPorts = channelPorts;
        this.inProcess = inProcess;
    }

    /**
     * This transport with its aggregation server on a fixed port or the first free port of a range, for clusters
     * whose firewalls or Kubernetes NetworkPolicies open only known ports to the driver.
     *
     * @param ports {@code 50100}, {@code 50100-50200}, or {@code 0} for any free port
     * @throws IllegalArgumentException naming the value and the accepted forms
     */
    public BarrierTransport withChannelPort(String ports) {
        return withChannelPorts(ChannelPorts.parse(ports));
    }

    /** This transport with its aggregation server on {@code ports}. */
    public BarrierTransport withChannelPorts(ChannelPorts ports) {
        return new BarrierTransport(connectTimeout, handshakeTimeout, java.util.Objects.requireNonNull(ports, "ports"), inProcess);
    }

    /**
     * This transport with the in-memory exchange on or off (on by default). When on, a task that runs in the driver's
     * JVM (local mode) joins the aggregation server in memory: the same protocol and the same results, without the
     * socket, the frames and their encryption. Off makes every task use the socket, as on a cluster.
     */
    public BarrierTransport withInProcessExchange(boolean on) {
        return new BarrierTransport(connectTimeout, handshakeTimeout, channelPorts, on);
    }

    /** Whether tasks in the driver's JVM exchange in memory. */
    public boolean inProcessExchange() {
        return inProcess;
    }

    /** Where the aggregation server may listen. */
    public ChannelPorts channelPorts() {
        return channelPorts;
    }

    /**
     * {@code transport} listening on {@code ports}: the trainer builder's {@code channelPort} option.
     *
     * @throws IllegalArgumentException when {@code transport} is not a barrier transport (the stage-per-step
     *                                  transport has no server of its own; it uses Spark's ports)
     */
    public static GradientTransport onPorts(GradientTransport transport, ChannelPorts ports) {
        if (!(transport instanceof BarrierTransport b)) {
            throw new IllegalArgumentException("channelPort " + ports + " applies to the barrier transport only; the "
                    + transport.name() + " transport has no server of its own and uses Spark's ports");
        }
        return b.withChannelPorts(ports);
    }

    @Override
    public String name() {
        return "barrier";
    }

    @Override
    public TransportSession open(TransportContext context) {
        return new Session(context);
    }

    private final class Session implements TransportSession {
        private final TransportContext ctx;
        private final AggregationServer server;
        private final BarrierCoordinator coordinator;
        private final String advertisedHost;
        private final ChannelSecurity security;
        private final ChannelSecret channelSecret;

        Session(TransportContext ctx) {
            this.ctx = ctx;
            SparkConf conf = ctx.spark().getConf();
            int workers = ctx.plan().workers();
            int taskCpus = conf.getInt("spark.task.cpus", 1);
            int slots = ctx.spark().sc().defaultParallelism();
            if ((long) workers * taskCpus > slots) {
                throw new IllegalArgumentException("the barrier transport runs all " + workers + " workers at once, each with "
                        + taskCpus + " cpus (spark.task.cpus), but the cluster offers " + slots
                        + " cores (default parallelism): use fewer workers or the stage-per-step transport");
            }
            if (conf.getBoolean("spark.dynamicAllocation.enabled", false)) {
                throw new IllegalArgumentException("the barrier transport cannot run with spark.dynamicAllocation.enabled=true: "
                        + "use the stage-per-step transport");
            }
            String host = conf.get("spark.driver.host", "127.0.0.1");
            String bind = conf.get("spark.driver.bindAddress", host);
            this.advertisedHost = host;
            this.security = ChannelSecurity.from(conf);
            this.channelSecret = security.newSecret();
            String master = ctx.spark().master();
            security.warning(master).ifPresent(LOG::warn);
            try {
                this.server = new AggregationServer(AggregationServer.bind(bind, channelPorts), channelSecret.resolve(), workers, ctx.numParameters(), handshakeTimeout);
                if (inProcess) {
                    server.acceptInProcess();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("could not start the aggregation server on " + bind + " (spark.driver.bindAddress), "
                        + "port " + channelPorts + ": " + e.getMessage(), e);
            }
            this.coordinator = new BarrierCoordinator(server, ctx.plan(), ctx.numParameters(), ctx.stepTimeout(), ctx.gangTimeout(),
                    ctx.status());
        }

        @Override
        public void runEpoch(EpochSpec spec, float[] params, StepHandler handler) {
            long readTimeout = Math.min(Integer.MAX_VALUE, ctx.stepTimeout().toMillis() * 2 + 30_000);
            BarrierWorkerTask task = new BarrierWorkerTask(advertisedHost, server.address().getPort(), channelSecret,
                    WorkerSpec.of(ctx, spec.epoch()), Math.toIntExact(connectTimeout.toMillis()), (int) readTimeout);
            RDD<int[]> reports = ctx.blocks().rdd().barrier().mapPartitions(task, false, REPORT_TAG);
            // The shuffle turns the barrier stage into a shuffle-map stage, which Spark retries as a whole on failure.
            JavaRDD<int[]> gathered = new JavaRDD<>(reports, REPORT_TAG).coalesce(1, true);
            ctx.spark().setJobDescription(spec.description());
            JavaFutureAction<List<int[]>> job = gathered.collectAsync();
            // The coordinator returns once the job has finished; it cancels the epoch's job group (and the job) when
            // a step, or the tasks' exit after the last step, outlasts the step timeout, and when it is interrupted.
            coordinator.run(spec, params, handler, JobHandle.of(job, () -> ctx.spark().cancelJobGroup(spec.jobGroup())));
            List<int[]> done;
            try {
                done = job.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TrainingException("epoch " + (spec.epoch() + 1) + ": interrupted after its last step", e);
            } catch (ExecutionException e) {
                throw new TrainingException("epoch " + (spec.epoch() + 1) + ": the barrier job failed after its last step", e);
            }
            if (done.size() != ctx.plan().workers()) {
                throw new TrainingException("epoch " + (spec.epoch() + 1) + ": " + done.size() + " of " + ctx.plan().workers()
                        + " barrier tasks reported back");
            }
        }

        @Override
        public Optional<InetSocketAddress> endpoint() {
            return Optional.of(new InetSocketAddress(advertisedHost, server.address().getPort()));
        }

        /** Workers that joined in memory so far (tests and diagnostics). */
        long inProcessJoins() {
            return server.inProcessJoins();
        }

        /** Connections the server refused so far (tests and diagnostics). */
        long refusedConnections() {
            return server.refusedConnections();
        }

        @Override
        public void close() {
            server.close();
        }
    }
}
