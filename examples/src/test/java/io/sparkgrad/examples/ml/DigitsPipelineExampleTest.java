package io.sparkgrad.examples.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.ingest.testutil.LocalSpark;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's Pipeline example end to end on the committed digits: it fits, reports a held-out accuracy above 95 %,
 * and the pipeline it saves loads back with the very same accuracy; what it prints is what it measured.
 */
class DigitsPipelineExampleTest {

    @Test
    void theExampleFitsSavesAndLoadsBackThePipeline(@TempDir Path tmp) throws Exception {
        // The example's default path is relative to the repository root; Surefire runs in the module folder.
        Path csv = Path.of("..").resolve(DigitsPipeline.DIGITS_CSV);
        assertTrue(Files.isRegularFile(csv), csv.toAbsolutePath().toString());
        String where = tmp.resolve("digits-pipeline").toString();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SparkSession spark = LocalSpark.start("digits-pipeline-example");
        DigitsPipeline.Result r;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            r = DigitsPipeline.run(spark, csv.toString(), where, out);
        } finally {
            spark.stop();
        }
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        System.out.println(String.join("\n", lines));

        assertTrue(r.accuracy() > 0.95, "held-out accuracy " + r.accuracy());
        assertEquals(r.accuracy(), r.reloadedAccuracy(), 0.0, "the saved pipeline predicts the same");
        assertTrue(r.testRows() > 300 && r.testRows() < 420, "about a fifth of 1,797 rows: " + r.testRows());
        assertEquals(3, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).matches("trained linear\\(64\\) relu linear\\(10\\) on input shape \\[64], 15 epochs: training loss "
                + "\\d\\.\\d{4} -> \\d\\.\\d{4}"), lines.get(0));
        assertEquals(String.format(Locale.ROOT, "held-out accuracy %.4f on %d digits", r.accuracy(), r.testRows()), lines.get(1));
        assertEquals(String.format(Locale.ROOT, "saved to %s and loaded back: held-out accuracy %.4f", where, r.accuracy()), lines.get(2));
        assertTrue(Files.isDirectory(Path.of(where, "stages")), "a PipelineModel folder");
    }
}
