package io.sparkgrad.trainer;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.trainer.optim.EngineOptimizer;
import io.sparkgrad.trainer.reference.ArrayMlp;
import io.sparkgrad.trainer.reference.SyntheticClassification;
import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A caller that knows the sample shape saves the run a job; a wrong one is refused naming both shapes. */
class SampleShapeTest {

    @RegisterExtension
    static final SparkPerClass SPARK = new SparkPerClass("local[2]", "sample-shape");

    private static TrainingResult train(JavaRDD<SampleBlock> data, int... shape) {
        DistributedTrainer.Builder b = DistributedTrainer.builder().replicaFactory(ArrayMlp.factory(2, 784, 10))
                .optimizer(EngineOptimizer.adam(0.01)).globalBatchSize(24).epochs(1).seed(3).workers(2).trainingData(data)
                .consoleProgress(false);
        if (shape.length > 0) {
            b.sampleShape(shape);
        }
        return b.build().fit();
    }

    @Test
    void aGivenShapeTrainsExactlyAsTheShapeReadFromTheData() {
        JavaRDD<SampleBlock> data = new SyntheticClassification(784, 10, 1).rdd(SPARK.sc(), new int[] {100, 140}, 0);
        assertArrayEquals(train(data).parameters(), train(data, 784).parameters(), 0f);
    }

    @Test
    void aWrongShapeIsRefusedNamingBoth() {
        JavaRDD<SampleBlock> data = new SyntheticClassification(784, 10, 1).rdd(SPARK.sc(), new int[] {100, 140}, 0);
        Exception e = assertThrows(Exception.class, () -> train(data, 1, 28, 28));
        String m = String.valueOf(e.getMessage()) + (e.getCause() != null ? e.getCause().getMessage() : "");
        assertTrue(m.contains("[784]") && m.contains("[1, 28, 28]"), m);
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> DistributedTrainer.builder().sampleShape(0, 28));
        assertTrue(bad.getMessage().contains("[0, 28]"), bad.getMessage());
    }
}
