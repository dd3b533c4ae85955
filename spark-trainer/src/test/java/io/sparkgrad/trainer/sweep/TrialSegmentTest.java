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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A trial trained in segments, each restored from the previous one's checkpoint, takes exactly the trajectory of an
 * uninterrupted run, also with dropout (its generator reseeded per epoch), batch-norm running statistics and Adam's
 * moments in play. No Spark: the segments run as a task would run them.
 */
class TrialSegmentTest {
    static final String SUBSET = SweepSparkTest.SUBSET;

    static TrialConfig config(long seed, String optimizer) {
        return config(seed, optimizer, "constant");
    }

    /** A trial planned for 3 epochs. */
    static TrialConfig config(long seed, String optimizer, String schedule) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("optimizer.schedule", schedule);
        v.put("model", "conv2d(4, 3, stride=2, padding=1) batchnorm2d relu flatten dropout(0.3) linear(10)");
        v.put("optimizer.name", optimizer);
        v.put("optimizer.lr", 0.003);
        v.put("optimizer.weightDecay", 0.01);
        v.put("training.globalBatchSize", 50L);
        v.put("data.dir", SUBSET);
        v.put("data.split", "official");
        return TrialConfig.of(v, seed, 3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"constant", "cosine"})
    void segmentsRestoredFromCheckpointsEqualAnUninterruptedRunBitForBit(String schedule, @TempDir Path dir) throws Exception {
        SerializableConfiguration conf = new SerializableConfiguration(new Configuration());
        TrialConfig c = config(3, "adamw", schedule);
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
        SegmentResult other = new TrialSegment(0, config(4, "adamw", schedule), 0, 1, null, dir.resolve("o.safetensors").toUri().toString(),
                conf).run(1);
        assertNotEquals(a.epochs().get(0).trainLoss(), other.epochs().get(0).trainLoss());
        assertThrows(UncheckedIOException.class, () -> new TrialSegment(0, config(4, "adamw", schedule), 1, 2, e1,
                dir.resolve("x.safetensors").toUri().toString(), conf).run(1));
        // A checkpoint is bound to its schedule too: the other schedule's trial refuses to continue it.
        TrialConfig otherSchedule = config(3, "adamw", schedule.equals("cosine") ? "constant" : "cosine");
        UncheckedIOException refused = assertThrows(UncheckedIOException.class, () -> new TrialSegment(0, otherSchedule, 1, 2, e1,
                dir.resolve("y.safetensors").toUri().toString(), conf).run(1));
        assertTrue(refused.getMessage().contains("optimizer.schedule"), refused.getMessage());
    }

    @Test
    void aCosineScheduleSpansThePlannedEpochsWhateverIsTrainedNow(@TempDir Path dir) throws Exception {
        TrialConfig cosine = config(3, "sgd", "cosine");
        TrialData data = TrialData.of(cosine, new Configuration());
        int batches = (data.train().size() + 49) / 50;
        TrialTrainer t = new TrialTrainer(cosine);
        assertEquals(0.003, t.lr());
        t.trainEpoch(data.train());
        // After one of three planned epochs: the closed form at step `batches` of 3 * batches (up to the chained form's rounding).
        assertEquals(0.003 * (1 + Math.cos(Math.PI / 3)) / 2, t.lr(), 1e-12);
        // A checkpoint of a trial that has not trained yet holds the schedule at its start.
        org.apache.hadoop.fs.Path untrained = new org.apache.hadoop.fs.Path(dir.resolve("e0.safetensors").toUri());
        new TrialTrainer(cosine).save(untrained, new Configuration());
        TrialTrainer restored = TrialTrainer.restore(cosine, untrained, new Configuration());
        restored.trainEpoch(data.train());
        assertEquals(t.lr(), restored.lr());
        t.trainEpoch(data.train());
        t.trainEpoch(data.train());
        assertEquals(0, t.lr(), 1e-12);
        assertTrue(batches > 1, "the subset has several batches per epoch");
        // A constant rate stays; a schedule needs a planned length.
        TrialTrainer constant = new TrialTrainer(config(3, "sgd", "constant"));
        constant.trainEpoch(data.train());
        assertEquals(0.003, constant.lr());
        SweepConfigException e = assertThrows(SweepConfigException.class,
                () -> TrialConfig.of(Map.of("optimizer.schedule", "cosine"), 1));
        assertTrue(e.getMessage().contains("training.epochs"), e.getMessage());
        SweepConfigException bad = assertThrows(SweepConfigException.class,
                () -> TrialConfig.of(Map.of("optimizer.schedule", "onecycle"), 1, 3));
        assertTrue(bad.getMessage().contains("allowed: constant, cosine"), bad.getMessage());
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
