package io.sparkgrad.trainer.transport.barrier;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.trainer.ReplicaFactory;
import io.sparkgrad.trainer.TrainingResult;
import io.sparkgrad.trainer.metrics.MetricSink;
import io.sparkgrad.trainer.metrics.RunInfo;
import io.sparkgrad.trainer.metrics.StepMetrics;
import io.sparkgrad.trainer.reference.ArrayMlp;
import io.sparkgrad.trainer.reference.SyntheticClassification;
import io.sparkgrad.trainer.transport.stage.StagePerStepTransport;
import io.sparkgrad.trainer.SparkPerClass;
import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * In local mode the barrier tasks run in the driver's JVM and join in memory; the run takes exactly the steps it
 * takes over the socket and on the stage-per-step transport. Switched off, every task uses the socket.
 */
class InProcessExchangeTrainingTest {

    @RegisterExtension
    static final SparkPerClass SPARK = new SparkPerClass("local[2]", "in-process");

    /** Counts, at the run's last step, the workers that joined its server in memory. */
    static final class JoinCounter implements MetricSink {
        int port;
        long inProcessJoins = -1;

        @Override
        public void onStart(RunInfo info) {
            port = info.endpoint().orElseThrow().getPort();
        }

        @Override
        public void onStep(StepMetrics step) {
            inProcessJoins = InProcessEndpoints.registered(port).map(AggregationServer::inProcessJoins).orElse(0L);
        }
    }

    @Test
    void localTasksJoinInMemoryAndTakeTheSameStepsAsOverTheSocket() {
        SyntheticClassification dataSet = new SyntheticClassification(784, 10, 1);
        JavaRDD<SampleBlock> data = dataSet.rdd(SPARK.sc(), new int[] {100, 140}, 0);
        ReplicaFactory model = ArrayMlp.factory(2, 784, 10);
        BarrierTransport inMemory = new BarrierTransport();
        assertTrue(inMemory.inProcessExchange(), "on by default");
        JoinCounter memoryJoins = new JoinCounter();
        TrainingResult memory = AggregationChannelSecurityTest.train(model, data, memoryJoins, inMemory);
        JoinCounter socketJoins = new JoinCounter();
        BarrierTransport overSocket = inMemory.withInProcessExchange(false);
        assertFalse(overSocket.inProcessExchange());
        TrainingResult socket = AggregationChannelSecurityTest.train(model, data, socketJoins, overSocket);
        TrainingResult stage = AggregationChannelSecurityTest.train(model, data, null, new StagePerStepTransport());

        assertEquals(2, memoryJoins.inProcessJoins, "both workers of the epoch joined in memory");
        assertEquals(0, socketJoins.inProcessJoins, "with the exchange off nobody joins in memory");
        assertEquals(10, memory.lastEpoch().steps());
        assertArrayEquals(socket.parameters(), memory.parameters(), 0f);
        assertArrayEquals(stage.parameters(), memory.parameters(), 0f);
        assertEquals(socket.lastEpoch().trainLoss(), memory.lastEpoch().trainLoss());
    }
}
