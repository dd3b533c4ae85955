package io.sparkgrad.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.conf.JobConfig;
import io.sparkgrad.conf.JobConfigLoader;
import io.sparkgrad.conf.Preset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The job's JIT warm-up: when it runs, that it trains a replica in the background, and that it stops when asked. */
class JitWarmUpTest {

    /** The warm-up is off by default; these tests turn it on as a user would. */
    @BeforeEach
    void turnOn() {
        System.setProperty(JitWarmUp.STEPS_PROPERTY, "400");
    }

    @AfterEach
    void reset() {
        System.clearProperty(JitWarmUp.STEPS_PROPERTY);
    }

    @Test
    void theWarmUpIsOffUnlessTurnedOn() {
        System.clearProperty(JitWarmUp.STEPS_PROPERTY);
        assertSame(JitWarmUp.NONE, JitWarmUp.early(new JobConfigLoader().load().config()));
    }

    @Test
    void onlyAnEmbeddedMasterRunsTheWorkersInThisJvm() {
        for (String m : new String[] {"local", "local[2]", "local[*]"}) {
            assertTrue(JitWarmUp.embedded(m), m);
        }
        for (String m : new String[] {"local-cluster[2,1,1024]", "spark://a:7077", "yarn", "k8s://https://a:6443", null}) {
            assertFalse(JitWarmUp.embedded(m), String.valueOf(m));
        }
    }

    @Test
    void aClusterJobGetsNoWarmUp() {
        JobConfig c = new JobConfigLoader().preset(Preset.STANDALONE).set("spark.master=spark://a:7077").load().config();
        assertSame(JitWarmUp.NONE, JitWarmUp.early(c));
    }

    @Test
    void aDataFrameWithoutAnInputShapeWaitsForTheDataThenStarts() {
        JobConfig c = new JobConfigLoader().set("data.format=parquet").set("data.train=/nowhere/train.parquet")
                .set("data.test=/nowhere/test.parquet").load().config();
        JitWarmUp early = JitWarmUp.early(c);
        assertSame(JitWarmUp.NONE, early, "the sample shape comes from the data");
        JobModel model = JobModel.of(c.model().spec(), new int[] {1, 28, 28}, "m", "model.layers");
        try (JitWarmUp late = early.orStart(c, model)) {
            assertTrue(late.running() || late.steps() > 0);
            assertSame(late, late.orStart(c, model), "one warm-up per job");
        }
    }

    @Test
    void theEmbeddedMnistJobWarmsUpInTheBackgroundUntilTrainingStarts() throws Exception {
        JobConfig c = new JobConfigLoader().set("training.globalBatchSize=16").load().config();
        JitWarmUp w = JitWarmUp.early(c);
        try {
            assertTrue(w.running(), "the built-in MNIST's shape is known before Spark starts");
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (w.steps() < 2 && w.running() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(w.steps() >= 2, "gradient steps on the job's model: " + w.steps());
        } finally {
            w.onStart(null); // the trainer's start, the warm-up being one of its metric sinks
        }
        assertFalse(w.running(), "the start of training waits for the warm-up's thread to end");
        int steps = w.steps();
        Thread.sleep(50);
        assertEquals(steps, w.steps());
    }

    @Test
    void aZeroStepBudgetTurnsTheWarmUpOff() {
        JobConfig c = new JobConfigLoader().load().config();
        assertSame(JitWarmUp.NONE, JitWarmUp.early(c, 0));
        JitWarmUp w = JitWarmUp.early(c, 1);
        w.stop();
        assertTrue(w.steps() <= 1, "at most the budget: " + w.steps());
    }
}
