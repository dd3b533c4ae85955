package io.sparkgrad.ingest.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.ingest.testutil.TestFiles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command-line converter, locally: IDX -> CSV -> Parquet -> IDX gives back the original bytes. */
class ConverterTest {

    @TempDir
    Path tmp;

    private static String run(int expectedCode, String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true));
        System.setErr(new PrintStream(buf, true));
        int code;
        try {
            code = ConvertCommand.run(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        assertEquals(expectedCode, code, buf.toString());
        return buf.toString();
    }

    @Test
    void idxToCsvToParquetToIdxGivesBackTheOriginalBytes() throws Exception {
        String csv = tmp.resolve("train.csv").toString();
        String parquet = tmp.resolve("train.parquet").toString();
        Path outImages = tmp.resolve("images-idx3-ubyte");
        Path outLabels = tmp.resolve("labels-idx1-ubyte.gz");
        assertTrue(run(0, "--from", "idx", "--images", TestFiles.subset("train-images-idx3-ubyte.gz").toString(),
                "--labels", TestFiles.subset("train-labels-idx1-ubyte.gz").toString(), "--to", "csv", "--out", csv, "--header")
                .contains("converted 300 images from IDX to CSV"));
        assertTrue(Files.readAllLines(Path.of(csv)).get(0).startsWith("label,pixel0,"));
        run(0, "--from", "csv", "--in", csv, "--to", "parquet", "--out", parquet);
        run(0, "--from", "parquet", "--in", parquet, "--to", "idx", "--out-images", outImages.toString(),
                "--out-labels", outLabels.toString());
        assertArrayEquals(TestFiles.subsetBytes("train-images-idx3-ubyte.gz"), Files.readAllBytes(outImages));
        // --gzip was not given, so the .gz name holds raw bytes (names do not decide compression).
        assertArrayEquals(TestFiles.subsetBytes("train-labels-idx1-ubyte.gz"), Files.readAllBytes(outLabels));
    }

    @Test
    void usageErrorsExitWith2() {
        assertTrue(run(2, "--from", "idx", "--images", "x", "--to", "csv", "--out", "y").contains("IDX input needs both"));
        run(2, "--from", "tiff", "--in", "x", "--to", "csv", "--out", "y");
    }

    @Test
    void aBadInputExitsWith1NamingTheProblemAndLeavesNoPartialOutput() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 1500; i++) {
            lines.add((i % 10) + ",0,0,0,0");
        }
        lines.set(1400, "11,0,0,0,0");
        Path csv = Files.write(tmp.resolve("in.csv"), lines);
        Path out = tmp.resolve("out.parquet");
        String msg = run(1, "--from", "csv", "--in", csv.toString(), "--rows", "2", "--cols", "2", "--to", "parquet",
                "--out", out.toString());
        assertTrue(msg.contains("in.csv at line 1401, column 1: label 11 is outside 0-9"), msg);
        assertFalse(Files.exists(out), "the partial Parquet file was removed");
    }
}
