package io.sparkgrad.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.trainer.DistributedTrainer;
import io.sparkgrad.trainer.SparkgradKryoRegistrator;
import io.sparkgrad.trainer.TrainingResult;
import io.sparkgrad.trainer.engine.MnistModels;
import io.sparkgrad.trainer.engine.ModuleReplica;
import io.sparkgrad.trainer.metrics.MetricSink;
import io.sparkgrad.trainer.metrics.RunInfo;
import io.sparkgrad.trainer.metrics.StepMetrics;
import io.sparkgrad.trainer.optim.EngineOptimizer;
import io.sparkgrad.trainer.transport.GradientTransport;
import io.sparkgrad.trainer.transport.barrier.BarrierTransport;
import io.sparkgrad.trainer.transport.stage.StagePerStepTransport;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The barrier channel keyed from Spark's secret across JVMs: a standalone cluster (master and two workers, each a JVM,
 * executors JVMs of their own) started with {@code spark.authenticate}, a shared secret and network encryption, and
 * this JVM as the driver with the same settings. Every executor derives the channel key from the secret its worker
 * handed it, nothing of it travels in the tasks, and the channel is encrypted (AES-GCM, as every barrier channel is):
 * the run completes, its server announces AES-GCM under protocol version 3, and its weights equal the stage-per-step transport's (which rides on Spark's own channels) bit
 * for bit.
 */
class EncryptedChannelOnLoopbackClusterIT {
    /** The wire code the aggregation server announces in its greeting for AES-GCM frames, the only one version 3 allows. */
    static final int AES_GCM_WIRE_CODE = 2;
    /** The channel protocol version that pins AES-GCM (version 2 also had an HMAC-only mode, code 1). */
    static final int PROTOCOL_VERSION = 3;
    static final Map<String, String> SECURITY = Map.of(
            "spark.authenticate", "true",
            "spark.authenticate.secret", HexFormat.of().formatHex(new SecureRandom().generateSeed(16)),
            "spark.network.crypto.enabled", "true");

    static LoopbackCluster cluster;
    static SparkSession spark;
    static JavaSparkContext jsc;
    /** Executors that ran a task (the driver is "driver"). */
    static final Set<String> taskExecutors = ConcurrentHashMap.newKeySet();

    @BeforeAll
    static void start() throws InterruptedException {
        LoopbackCluster.Builder b = LoopbackCluster.builder().workers(2).coresPerWorker(1).executorJavaOptions("-XX:TieredStopAtLevel=1")
                .startTimeout(Duration.ofSeconds(120));
        SECURITY.forEach(b::daemonConf);
        cluster = b.start();
        System.err.println("EncryptedChannelOnLoopbackClusterIT: cluster up in " + cluster.startupTime().toMillis() + " ms");
        SparkConf conf = SparkgradKryoRegistrator.configure(new SparkConf().setAppName("encrypted-channel"));
        SECURITY.forEach(conf::set);
        spark = cluster.startSession(conf);
        jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        spark.sparkContext().addSparkListener(new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                taskExecutors.add(end.taskInfo().executorId());
            }
        });
    }

    @AfterAll
    static void stop() {
        LoopbackCluster.stop(cluster, spark);
    }

    /** Partition {@code p}'s samples: 28x28 images of noise with labels, made on the executor. */
    static SampleBlock block(int p) {
        int n = 96 + 32 * p;
        Random r = new Random(100 + p);
        float[] x = new float[n * 784];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(10);
            for (int j = 0; j < 784; j++) {
                x[i * 784 + j] = r.nextFloat() + (j % 10 == y[i] ? 0.5f : 0f);
            }
        }
        return new SampleBlock(p, x, y, new int[] {1, 28, 28});
    }

    /** Reads the greeting of the run's aggregation server at its second step: the frame protection it announces. */
    static final class GreetingProbe implements MetricSink {
        InetSocketAddress server;
        volatile int announcedVersion = -1;
        volatile int announcedMode = -1;

        @Override
        public void onStart(RunInfo info) {
            server = info.endpoint().orElse(null);
        }

        @Override
        public void onStep(StepMetrics step) {
            if (step.globalStep() == 1 && server != null) {
                try (Socket s = new Socket()) {
                    s.connect(server, 5000);
                    s.setSoTimeout(5000);
                    byte[] hello = new byte[12];
                    new DataInputStream(s.getInputStream()).readFully(hello);
                    // Greeting: magic, version, frame protection, then the server's nonce; little-endian.
                    ByteBuffer h = ByteBuffer.wrap(hello).order(ByteOrder.LITTLE_ENDIAN);
                    announcedVersion = h.getInt(4);
                    announcedMode = h.getInt(8);
                } catch (IOException e) {
                    throw new IllegalStateException("could not read the aggregation server's greeting at " + server, e);
                }
            }
        }
    }

    static TrainingResult train(GradientTransport transport, MetricSink sink) {
        JavaRDD<SampleBlock> data = jsc.parallelize(List.of(0, 1), 2).map(EncryptedChannelOnLoopbackClusterIT::block);
        DistributedTrainer.Builder b = DistributedTrainer.builder().replicaFactory(ModuleReplica.factory(MnistModels.LOGISTIC, 7))
                .optimizer(EngineOptimizer.sgdMomentum(0.05, 0.9)).globalBatchSize(32).seed(11).workers(2).epochs(2)
                .transport(transport).trainingData(data).stepTimeout(Duration.ofSeconds(60)).consoleProgress(false);
        if (sink != null) {
            b.metricSink(sink);
        }
        return b.build().fit();
    }

    @Test
    void executorJvmsDeriveTheChannelKeyFromSparksSecretAndTrainEncryptedExactlyAsTheStageTransport() {
        GreetingProbe probe = new GreetingProbe();
        long t0 = System.nanoTime();
        TrainingResult barrier = train(new BarrierTransport(), probe);
        System.err.println("EncryptedChannelOnLoopbackClusterIT: barrier run took " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        assertEquals(PROTOCOL_VERSION, probe.announcedVersion, "the aggregation server speaks the AES-GCM-only protocol");
        assertEquals(AES_GCM_WIRE_CODE, probe.announcedMode, "the aggregation server announced AES-GCM frames");
        assertEquals(2, cluster.executors().size(), "two executor JVMs: " + cluster.executors());
        assertFalse(taskExecutors.isEmpty() || taskExecutors.contains("driver"), "tasks ran on the executors only: " + taskExecutors);
        assertEquals(2, taskExecutors.size(), "both executor JVMs ran tasks: " + taskExecutors);

        TrainingResult stage = train(new StagePerStepTransport(), null);
        assertEquals(2, barrier.history().size());
        // 96 + 128 samples in steps of 32: 7 steps an epoch.
        assertEquals(7, barrier.history().get(1).steps());
        assertArrayEquals(stage.parameters(), barrier.parameters(), 0f, "bit for bit the stage-per-step transport's weights");
    }
}
