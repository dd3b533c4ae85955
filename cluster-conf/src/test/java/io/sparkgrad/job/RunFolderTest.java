package io.sparkgrad.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.conf.JobConfig;
import io.sparkgrad.conf.JobConfigLoader;
import java.time.LocalDateTime;
import org.junit.jupiter.api.Test;

class RunFolderTest {
    static final LocalDateTime START = LocalDateTime.of(2026, 11, 27, 14, 30, 5);

    @Test
    void theDefaultFolderGetsTheStartTimeInEveryDerivedLocation() {
        JobConfig c = new JobConfigLoader().load().config();
        assertTrue(RunFolder.hasToken(c));
        JobConfig r = RunFolder.resolve(c, START, "3fa2c1");
        assertEquals("runs/mnist-20261127-143005-3fa2c1", r.output().outputDir());
        assertEquals("runs/mnist-20261127-143005-3fa2c1/checkpoints", r.output().checkpointDir());
        assertEquals("runs/mnist-20261127-143005-3fa2c1/metrics.jsonl", r.output().metricsFile());
        assertFalse(RunFolder.hasToken(r));
        assertEquals(c.training(), r.training(), "nothing else changes");
        assertEquals(c.spark(), r.spark());
    }

    @Test
    void aFolderWithoutTheTokenIsKept() {
        JobConfig c = new JobConfigLoader().set("output.outputDir=/data/run-a").set("output.metricsFile=/m/{timestamp}.jsonl")
                .load().config();
        JobConfig r = RunFolder.resolve(c, START, "0a0b0c");
        assertEquals("/data/run-a", r.output().outputDir());
        assertEquals("/data/run-a/checkpoints", r.output().checkpointDir());
        assertEquals("/m/20261127-143005-0a0b0c.jsonl", r.output().metricsFile());
        JobConfig fixed = new JobConfigLoader().set("output.outputDir=/data/run-b").load().config();
        assertSame(fixed, RunFolder.resolve(fixed, START));
    }

    @Test
    void runsStartedInTheSameSecondGetDifferentFolders() {
        JobConfig c = new JobConfigLoader().load().config();
        java.util.Set<String> folders = new java.util.HashSet<>();
        for (int i = 0; i < 50; i++) {
            String dir = RunFolder.resolve(c, START).output().outputDir();
            assertTrue(dir.matches("runs/mnist-20261127-143005-[0-9a-f]{6}"), dir);
            folders.add(dir);
        }
        assertEquals(50, folders.size(), "50 runs in one second, 50 folders");
    }
}
