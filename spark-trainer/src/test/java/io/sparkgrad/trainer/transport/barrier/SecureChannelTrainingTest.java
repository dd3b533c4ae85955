package io.sparkgrad.trainer.transport.barrier;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.trainer.LocalSpark;
import io.sparkgrad.trainer.ReplicaFactory;
import io.sparkgrad.trainer.TrainingResult;
import io.sparkgrad.trainer.reference.ArrayMlp;
import io.sparkgrad.trainer.reference.SyntheticClassification;
import io.sparkgrad.trainer.transport.stage.StagePerStepTransport;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A barrier run on a Spark that authenticates and encrypts its own traffic: the channel is encrypted (AES-GCM) and
 * keyed from Spark's secret, strangers are refused, and the run takes exactly the steps of the stage-per-step
 * transport (which rides on Spark's own channels).
 */
class SecureChannelTrainingTest {

    static SparkSession spark;
    static JavaSparkContext sc;

    @BeforeAll
    static void startSpark() {
        spark = LocalSpark.start("local[2]", "secure-channel", Map.of("spark.authenticate", "true", "spark.network.crypto.enabled", "true"));
        sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    /** Probes the server from the driver's step loop: what a worker that does not hold Spark's secret gets. */
    static final class Prober extends AggregationChannelSecurityTest.ProbeAtStep {
        Prober() {
            super(2);
        }

        @Override
        void probe() {
            outcomes.add(attempt("random", Handshake.newSecret()));
            // The per-run random secret a closure would have carried before: not the key any more.
            outcomes.add(attempt("task-binary", ChannelSecret.random().resolve()));
        }

        String attempt(String which, byte[] secret) {
            try {
                WorkerClient.connect(server.getHostString(), server.getPort(), secret, 0, 0, 0, 7850, 2000, 2000).close();
                return which + " accepted";
            } catch (IOException e) {
                String m = e.getMessage();
                return which + (m.contains("refused") ? " refused" : ": " + m);
            }
        }
    }

    @Test
    void anEncryptedRunKeyedFromSparksSecretRefusesStrangersAndMatchesTheStageTransport() {
        SyntheticClassification dataSet = new SyntheticClassification(784, 10, 1);
        JavaRDD<SampleBlock> data = dataSet.rdd(sc, new int[] {100, 140}, 0);
        ReplicaFactory model = ArrayMlp.factory(2, 784, 10);
        Prober prober = new Prober();
        TrainingResult barrier = AggregationChannelSecurityTest.train(model, data, prober, new BarrierTransport().withInProcessExchange(false).withChannelPort("0"));
        TrainingResult stage = AggregationChannelSecurityTest.train(model, data, null, new StagePerStepTransport());
        assertEquals(List.of("random refused", "task-binary refused"), prober.outcomes);
        assertArrayEquals(stage.parameters(), barrier.parameters(), 0f);
        assertTrue(barrier.lastEpoch().steps() == 10);
    }
}
