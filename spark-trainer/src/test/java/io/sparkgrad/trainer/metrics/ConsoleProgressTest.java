package io.sparkgrad.trainer.metrics;

import io.sparkgrad.trainer.EpochStats;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConsoleProgressTest {

    private static String run(boolean interactive) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConsoleProgress p = new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), interactive);
        p.onStart(new RunInfo("run-1", "barrier", 2, 64, 40, 3, 7850, Optional.empty()));
        p.onEpochStart(1, 3, 0, 40);
        for (int s = 0; s < 40; s++) {
            p.onStep(new StepMetrics(1, s, 40, 40 + s, 0.5, 0.8, 64, 2.0, 1.5, false));
        }
        p.onEpochEnd(new EpochStats(1, 0.5, 0.8, 0.45, 0.85, 40, 0, 2560, 2.0, 1280, 0.3, 0.5, 0.9));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void withoutATerminalPrintsATenthOfTheEpochPerLineAndOneSummary() {
        String out = run(false);
        String[] lines = out.split("\n");
        assertTrue(lines[0].startsWith("Sparkgrad run run-1: 2 workers, barrier transport"), lines[0]);
        assertEquals(1 + 10 + 1, lines.length, out);
        assertTrue(lines[1].startsWith("epoch 2/3 [") && lines[1].contains(" 4/40 ") && lines[1].contains("loss 0.5000")
                && lines[1].contains("samples/s") && lines[1].contains("ETA"), lines[1]);
        assertTrue(lines[10].contains("[########################] 40/40"), lines[10]);
        assertEquals("epoch 2/3  train loss 0.5000 acc 0.8000  val loss 0.4500 acc 0.8500  2.0 s  1,280 samples/s", lines[11]);
        assertTrue(!out.contains("\r"));
    }

    @Test
    void onATerminalRedrawsTheBarInPlace() {
        String out = run(true);
        assertTrue(out.contains("\repoch 2/3 ["), out);
        assertTrue(out.contains("40/40"), "the last step is always drawn");
        assertTrue(out.endsWith("1,280 samples/s\n"), out);
    }

    @Test
    void aWaitingRunSaysWhatItWaitsForOnALineOfItsOwn() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConsoleProgress p = new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), true);
        p.onStart(new RunInfo("run-1", "barrier", 2, 64, 40, 3, 7850, Optional.empty()));
        p.onEpochStart(0, 3, 0, 40);
        p.onStep(new StepMetrics(0, 0, 40, 0, 0.5, 0.8, 64, 2.0, 1.5, false));
        p.onWaiting(0, "waiting for 2 barrier slots (...) for 2 s");
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.endsWith("\nepoch 1/3 waiting for 2 barrier slots (...) for 2 s\n"), out);
    }

    @Test
    void etaReadsAsAClock() {
        assertEquals("1:05", ConsoleProgress.clock(65));
        assertEquals("1:01:01", ConsoleProgress.clock(3661));
    }
}
