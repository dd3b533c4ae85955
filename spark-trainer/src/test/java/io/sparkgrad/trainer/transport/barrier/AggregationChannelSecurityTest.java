package io.sparkgrad.trainer.transport.barrier;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.trainer.DistributedTrainer;
import io.sparkgrad.trainer.ReplicaFactory;
import io.sparkgrad.trainer.SparkPerClass;
import io.sparkgrad.trainer.TrainingResult;
import io.sparkgrad.trainer.metrics.MetricSink;
import io.sparkgrad.trainer.metrics.RunInfo;
import io.sparkgrad.trainer.metrics.StepMetrics;
import io.sparkgrad.trainer.optim.EngineOptimizer;
import io.sparkgrad.trainer.reference.ArrayMlp;
import io.sparkgrad.trainer.reference.SyntheticClassification;
import io.sparkgrad.trainer.transport.GradientTransport;
import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * While a barrier run trains, strangers knock on its aggregation server: one with a wrong secret, one that sends
 * garbage, one that announces a gigantic frame. All are refused and the run ends with exactly the weights of an
 * undisturbed run.
 */
class AggregationChannelSecurityTest {

    @RegisterExtension
    static final SparkPerClass SPARK = new SparkPerClass("local[2]", "security");

    /** Probes the server from inside the driver's step loop at one step, while the workers are connected. */
    abstract static class ProbeAtStep implements MetricSink {
        final long at;
        InetSocketAddress server;
        final List<String> outcomes = new ArrayList<>();

        ProbeAtStep(long at) {
            this.at = at;
        }

        @Override
        public void onStart(RunInfo info) {
            server = info.endpoint().orElseThrow();
        }

        @Override
        public void onStep(StepMetrics step) {
            if (step.globalStep() == at) {
                probe();
            }
        }

        abstract void probe();
    }

    /** Attacks the server at step 3. */
    static final class Attacker extends ProbeAtStep {
        Attacker() {
            super(3);
        }

        @Override
        void probe() {
            try {
                WorkerClient.connect(server.getHostString(), server.getPort(), new byte[32], 0, 0, 0, 7850, 2000, 2000).close();
                outcomes.add("wrong secret accepted");
            } catch (IOException e) {
                outcomes.add(e.getMessage().contains("refused") ? "wrong secret refused" : "wrong secret: " + e);
            }
            outcomes.add(send(garbage()));
            outcomes.add(send(hugeFrameWithoutAuth()));
        }

        private byte[] garbage() {
            byte[] junk = new byte[10_000];
            new Random(7).nextBytes(junk);
            return junk;
        }

        /** A plausible-looking frame header announcing 2 GB, sent instead of the authentication message. */
        private byte[] hugeFrameWithoutAuth() {
            byte[] b = new byte[Wire.AUTH_BYTES];
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(Integer.MAX_VALUE).putInt(Wire.GRADIENT).putLong(3).putInt(0);
            return b;
        }

        private String send(byte[] bytes) {
            try (Socket s = new Socket(server.getHostString(), server.getPort())) {
                s.setSoTimeout(5000);
                InputStream in = s.getInputStream();
                in.readNBytes(Wire.HELLO_BYTES);
                OutputStream out = s.getOutputStream();
                try {
                    out.write(bytes);
                    out.flush();
                } catch (IOException closedWhileWriting) {
                    return "refused";
                }
                byte[] reply = in.readAllBytes();
                boolean refused = reply.length == 0 || (reply.length == Wire.RESULT_BYTES
                        && ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN).getInt(4) == Wire.STATUS_REFUSED);
                return refused ? "refused" : "answered " + reply.length + " bytes";
            } catch (IOException e) {
                return "refused";
            }
        }
    }

    static TrainingResult train(ReplicaFactory model, JavaRDD<SampleBlock> data, MetricSink sink) {
        // Over the socket, as on a cluster: the strangers knock while the workers' connections are up.
        return train(model, data, sink, new BarrierTransport().withInProcessExchange(false));
    }

    static TrainingResult train(ReplicaFactory model, JavaRDD<SampleBlock> data, MetricSink sink, GradientTransport transport) {
        DistributedTrainer.Builder b = DistributedTrainer.builder().replicaFactory(model).optimizer(EngineOptimizer.adam(0.01))
                .globalBatchSize(24).epochs(1).seed(3).workers(2).transport(transport).trainingData(data)
                .consoleProgress(false);
        if (sink != null) {
            b.metricSink(sink);
        }
        return b.build().fit();
    }

    @Test
    void strangersAreRefusedAndTheRunIsUnaffected() {
        SyntheticClassification dataSet = new SyntheticClassification(784, 10, 1);
        JavaRDD<SampleBlock> data = dataSet.rdd(SPARK.sc(), new int[] {100, 140}, 0);
        ReplicaFactory model = ArrayMlp.factory(2, 784, 10);
        TrainingResult quiet = train(model, data, null);
        Attacker attacker = new Attacker();
        TrainingResult attacked = train(model, data, attacker);
        assertEquals(List.of("wrong secret refused", "refused", "refused"), attacker.outcomes);
        assertArrayEquals(quiet.parameters(), attacked.parameters(), 0f);
        assertTrue(attacked.lastEpoch().steps() == 10);
    }
}
