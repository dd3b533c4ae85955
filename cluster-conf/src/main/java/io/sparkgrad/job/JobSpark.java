package io.sparkgrad.job;

import io.sparkgrad.conf.ClusterManager;
import io.sparkgrad.conf.JobConfig;
import io.sparkgrad.conf.SparkSettings;
import io.sparkgrad.conf.Transport;
import io.sparkgrad.trainer.SparkgradKryoRegistrator;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;
import scala.Option;

/**
 * The job's Spark. Under {@code spark-submit} the master and every setting on the command line are already in the
 * JVM's {@code spark.*} system properties, and win; run directly (the embedded default) the master comes from the
 * configuration ({@code local[*]} with the local preset). Either way the settings the configuration implies
 * ({@link SparkSettings}: JVM flags, one worker per executor, ...) fill what is not set, and Spark serializes with
 * Kryo and the trainer's registrator. A session that is already running (a test's, a notebook's) is used as it is
 * and left running.
 *
 * <p>The job starts only the {@link SparkContext}: the {@link SparkSession} on top of it (Spark SQL's conf, catalog
 * and Scala reflection) took another 1.4-1.6 s to start on the 2-core build machine, and MNIST and IDX data are read
 * into RDDs without it. It is made on first use ({@link #session()}: DataFrame formats, sweeps).
 */
public final class JobSpark implements AutoCloseable {

    private final SparkContext context;
    private final boolean owned;
    private SparkSession session;

    private JobSpark(SparkContext context, SparkSession session, boolean owned) {
        this.context = context;
        this.session = session;
        this.owned = owned;
    }

    /** Starts (or joins) Spark for {@code config}. */
    public static JobSpark start(JobConfig config) {
        Option<SparkSession> running = SparkSession.getActiveSession();
        if (running.isEmpty()) {
            running = SparkSession.getDefaultSession();
        }
        if (running.isDefined()) {
            return of(running.get());
        }
        SparkConf conf = sparkConf(config, new SparkConf());
        return new JobSpark(SparkContext.getOrCreate(conf), null, true);
    }

    /** A running session, used as it is and left running (tests, notebooks). */
    public static JobSpark of(SparkSession running) {
        return new JobSpark(running.sparkContext(), running, false);
    }

    /** The Spark context. */
    public SparkContext context() {
        return context;
    }

    /** The Spark session on the job's context, started on first use. */
    public synchronized SparkSession session() {
        if (session == null) {
            // The builder finds the running context (SparkContext.getOrCreate) and uses it, with its settings.
            session = SparkSession.builder().config(context.getConf()).getOrCreate();
        }
        return session;
    }

    /** Whether this job started Spark (and so stops it). */
    public boolean owned() {
        return owned;
    }

    /** {@code conf} (which holds what spark-submit set) completed from {@code config}. */
    public static SparkConf sparkConf(JobConfig config, SparkConf conf) {
        if (!conf.contains("spark.master")) {
            conf.setMaster(config.spark().master());
        }
        conf.setIfMissing("spark.app.name", config.spark().appName());
        for (Map.Entry<String, String> e : SparkSettings.resolve(config).entrySet()) {
            conf.setIfMissing(e.getKey(), e.getValue());
        }
        if (!conf.contains("spark.serializer")) {
            SparkgradKryoRegistrator.configure(conf);
        }
        return conf;
    }

    /**
     * Fails early, with what to change, when an embedded master cannot run the barrier transport's workers at once
     * (its barrier stage would otherwise wait for task slots that never come).
     */
    void checkSlots(JobConfig config) {
        String master = context.master();
        if (config.training().transport() != Transport.BARRIER
                || ClusterManager.of(master).orElse(null) != ClusterManager.LOCAL || master.startsWith("local-cluster")) {
            return;
        }
        int slots = context.defaultParallelism();
        int workers = config.training().workers();
        if (slots < workers) {
            throw new IllegalArgumentException("training.workers is " + workers + " but the embedded master " + master
                    + " runs " + slots + " tasks at once, and the barrier transport needs every worker running together: "
                    + "set training.workers=" + slots + " or less, a master with more threads (spark.master=local["
                    + workers + "]), or training.transport=stage");
        }
    }

    @Override
    public synchronized void close() {
        if (owned) {
            if (session != null) {
                session.stop();
            } else {
                context.stop();
            }
        }
    }
}
