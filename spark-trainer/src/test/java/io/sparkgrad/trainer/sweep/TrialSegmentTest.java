package io.sparkgrad.trainer.sweep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.ingest.spark.SerializableConfiguration;
import io.sparkgrad.tensor.Tensor;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A trial trained in segments, each restored from the previous one's checkpoint, takes exactly the trajectory of an
 * uninterrupted run, also with dropout (its generator reseeded per epoch), batch-norm running statistics and Adam's
 * moments in play. No Spark: the segments run as a task would run them.
 */
class TrialSegmentTest {
    static final String SUBSET = SweepSparkTest.SUBSET;

    static TrialConfig config(long seed, String optimizer) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("model", "conv2d(4, 3, stride=2, padding=1) batchnorm2d relu flatten dropout(0.3) linear(10)");
        v.put("optimizer.name", optimizer);
        v.put("optimizer.lr", 0.003);
        v.put("optimizer.weightDecay", 0.01);
        v.put("training.globalBatchSize", 50L);
        v.put("data.dir", SUBSET);
        v.put("data.split", "official");
        return TrialConfig.of(v, seed);
    }

    @Test
    void segmentsRestoredFromCheckpointsEqualAnUninterruptedRunBitForBit(@TempDir Path dir) throws Exception {
        SerializableConfiguration conf = new SerializableConfiguration(new Configuration());
        TrialConfig c = config(3, "adamw");
        String e1 = dir.resolve("e1.safetensors").toUri().toString();
        String e3 = dir.resolve("e3.safetensors").toUri().toString();
        String whole = dir.resolve("whole.safetensors").toUri().toString();
        SegmentResult a = new TrialSegment(0, c, 0, 1, null, e1, conf).run(1);
        SegmentResult b = new TrialSegment(0, c, 1, 3, e1, e3, conf).run(1);
        SegmentResult w = new TrialSegment(0, c, 0, 3, null, whole, conf).run(1);
        assertNull(a.error());
        assertNull(b.error());
        assertEquals(w.epochs().get(0).trainLoss(), a.epochs().get(0).trainLoss());
        for (int i = 0; i < 2; i++) {
            assertEquals(w.epochs().get(i + 1).epoch(), b.epochs().get(i).epoch());
            assertEquals(w.epochs().get(i + 1).trainLoss(), b.epochs().get(i).trainLoss());
            assertEquals(w.epochs().get(i + 1).valLoss(), b.epochs().get(i).valLoss());
        }
        Map<String, Tensor> x = TrialTrainer.weights(new org.apache.hadoop.fs.Path(e3), conf.get());
        Map<String, Tensor> y = TrialTrainer.weights(new org.apache.hadoop.fs.Path(whole), conf.get());
        assertTrue(x.containsKey("1.running_mean"), x.keySet().toString());
        assertEquals(y.keySet(), x.keySet());
        for (String k : x.keySet()) {
            assertArrayEquals(y.get(k).toFloatArray(), x.get(k).toFloatArray(), k);
        }
        // The seed matters (so the equality above is not trivially true) and a checkpoint is bound to its seed.
        SegmentResult other = new TrialSegment(0, config(4, "adamw"), 0, 1, null, dir.resolve("o.safetensors").toUri().toString(), conf).run(1);
        assertNotEquals(a.epochs().get(0).trainLoss(), other.epochs().get(0).trainLoss());
        assertThrows(UncheckedIOException.class, () -> new TrialSegment(0, config(4, "adamw"), 1, 2, e1,
                dir.resolve("x.safetensors").toUri().toString(), conf).run(1));
    }

    @Test
    void aBadConfigurationIsAFailedResultNotAnException(@TempDir Path dir) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("model", "conv2d(4, 30) relu flatten linear(10)");
        v.put("data.dir", SUBSET);
        v.put("data.split", "official");
        SegmentResult r = new TrialSegment(5, TrialConfig.of(v, 1), 0, 1, null, dir.resolve("c.safetensors").toUri().toString(),
                new SerializableConfiguration(new Configuration())).run(1);
        assertEquals(5, r.trial());
        assertTrue(r.failed());
        assertTrue(r.error().contains("conv2d"), r.error());
        assertTrue(r.epochs().isEmpty());
    }
}
