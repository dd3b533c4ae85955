package io.sparkgrad.trainer.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code bin/bench trainer}'s main on a tiny configuration: its RESULT line keeps the names and order that scripts read
 * (issue 13: new fields only at the end), the ratio is the throughput over the single process's, and the warm-up and
 * the interleaved runs happen as the {@code #} lines say.
 */
class TrainerBenchTest {

    private static final String NUMBER = "(\\d+\\.\\d+)";
    private static final Pattern RESULT = Pattern.compile("RESULT bench=trainer transport=barrier workers=2 batch=64 samples_per_s=" + NUMBER
            + " ratio_vs_single=" + NUMBER + " step_overhead_ms_p50=" + NUMBER + " step_overhead_ms_p95=" + NUMBER
            + " single_samples_per_s=" + NUMBER + " compute_ms_p50=" + NUMBER + " compute_ms_mean=" + NUMBER);
    private static final Pattern DETAILS = Pattern.compile("# barrier workers=2 batch=64 .* steps_measured=(\\d+) .* warm_up_runs=(\\d+) runs=[1-9]\\d*/[1-9]\\d*/?");

    @Test
    void aTinyRunPrintsOneWellFormedResultLineWithTheRatioToTheSingleProcess() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = System.out;
        int rc;
        try {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            rc = new CommandLine(new TrainerBench()).execute("--models=small", "--batches=64", "--transports=barrier", "--workers=2",
                    "--steps=6", "--repeats=2", "--warmup-seconds=0", "--probe-params=");
        } finally {
            System.setOut(out);
        }
        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, rc, printed);
        List<String> results = printed.lines().filter(l -> l.startsWith("RESULT")).toList();
        assertEquals(1, results.size(), printed);
        Matcher m = RESULT.matcher(results.get(0));
        assertTrue(m.matches(), "malformed: " + results.get(0));
        double samplesPerSecond = Double.parseDouble(m.group(1));
        double ratio = Double.parseDouble(m.group(2));
        double single = Double.parseDouble(m.group(5));
        assertTrue(samplesPerSecond > 0 && single > 0, results.get(0));
        assertEquals(samplesPerSecond / single, ratio, 0.0015, results.get(0));
        assertTrue(Double.parseDouble(m.group(3)) <= Double.parseDouble(m.group(4)), "p50 above p95: " + results.get(0));
        assertTrue(Double.parseDouble(m.group(6)) > 0 && Double.parseDouble(m.group(7)) > 0, results.get(0));

        // Two measured runs, bracketed by three of the single process; at least two warm-up rounds even at 0 s.
        assertTrue(printed.lines().anyMatch(l -> l.matches("# single-process threads=2 batch=64 samples_per_s=\\S+ runs=[1-9]\\d*/[1-9]\\d*/[1-9]\\d*")),
                printed);
        Matcher details = printed.lines().map(DETAILS::matcher).filter(Matcher::lookingAt).findFirst().orElseThrow(() -> new AssertionError(printed));
        // 6 full steps and the half batch the data holds beyond them: 7 steps a run, each run's first excluded (it
        // includes launching the tasks), 2 runs.
        assertEquals(12, Integer.parseInt(details.group(1)), printed);
        assertEquals(2, Integer.parseInt(details.group(2)), printed);
    }
}
