package io.sparkgrad.ingest.csv;

import static io.sparkgrad.ingest.testutil.TestFiles.conf;
import static io.sparkgrad.ingest.testutil.TestFiles.hpath;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.ingest.BadInputException;
import io.sparkgrad.ingest.testutil.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MnistCsvTest {

    @TempDir
    Path tmp;

    private final byte[] images = TestFiles.subsetBytes("t10k-images-idx3-ubyte.gz");
    private final byte[] labels = TestFiles.subsetBytes("t10k-labels-idx1-ubyte.gz");

    private Path writeCsv(String name, boolean header, boolean gzip, int n) throws Exception {
        Path p = tmp.resolve(name);
        int[] lb = new int[n];
        for (int i = 0; i < n; i++) {
            lb[i] = labels[8 + i];
        }
        try (MnistCsvWriter w = MnistCsvWriter.create(hpath(p), conf(), 784, header, gzip)) {
            w.write(Arrays.copyOfRange(images, 16, 16 + n * 784), lb, n);
        }
        return p;
    }

    @Test
    void roundTripsWithAndWithoutHeaderAndGzip() throws Exception {
        for (boolean header : new boolean[] {false, true}) {
            for (boolean gzip : new boolean[] {false, true}) {
                Path p = writeCsv("t-" + header + gzip + ".csv", header, gzip, 200);
                List<String> firstLines = gzip ? List.of() : Files.readAllLines(p).subList(0, 2);
                if (!gzip) {
                    assertEquals(header, firstLines.get(0).startsWith("label,pixel0,pixel1,"));
                    assertEquals(785, firstLines.get(header ? 1 : 0).split(",").length);
                    assertTrue(firstLines.get(header ? 1 : 0).startsWith("7,0,0,"), firstLines.get(header ? 1 : 0));
                }
                try (MnistCsvReader r = MnistCsvReader.open(hpath(p), conf(), 28, 28)) {
                    assertEquals(200, r.count());
                    byte[] px = new byte[200 * 784];
                    int[] lb = new int[200];
                    int got = 0;
                    byte[] chunk = new byte[64 * 784];
                    int[] lchunk = new int[64];
                    int n;
                    while ((n = r.read(chunk, lchunk, 64)) > 0) {
                        System.arraycopy(chunk, 0, px, got * 784, n * 784);
                        System.arraycopy(lchunk, 0, lb, got, n);
                        got += n;
                    }
                    assertEquals(200, got);
                    assertArrayEquals(Arrays.copyOfRange(images, 16, 16 + 200 * 784), px);
                    for (int i = 0; i < 200; i++) {
                        assertEquals(labels[8 + i], lb[i]);
                    }
                }
            }
        }
    }

    private BadInputException bad(String... lines) throws Exception {
        Path p = tmp.resolve("bad.csv");
        Files.write(p, List.of(lines));
        return assertThrows(BadInputException.class, () -> {
            try (MnistCsvReader r = MnistCsvReader.open(hpath(p), conf(), 2, 2)) {
                byte[] px = new byte[40];
                int[] lb = new int[10];
                while (r.read(px, lb, 10) > 0) {
                    // drain
                }
            }
        });
    }

    private static void assertSays(BadInputException e, String location, String what) {
        assertEquals(location, e.location(), e.getMessage());
        assertTrue(e.getMessage().contains("bad.csv") && e.getMessage().contains(what), e.getMessage());
    }

    @Test
    void rowOfTheWrongWidth() throws Exception {
        assertSays(bad("label,pixel0,pixel1,pixel2,pixel3", "1,0,0,0,0", "2,0,0,0"), "line 3", "4 values, expected 5 (label + 4 pixels of 2x2 images)");
    }

    @Test
    void headerOfTheWrongWidth() throws Exception {
        assertSays(bad("label,pixel0,pixel1", "1,0,0,0,0"), "line 1", "3 values, expected 5");
    }

    @Test
    void valueThatIsNotANumber() throws Exception {
        assertSays(bad("1,0,0,0,0", "2,0,x7,0,0"), "line 2, column 3", "'x7' is not a pixel value (an integer 0-255)");
        assertSays(bad("1,0,0,0,0", "", "2.5,0,0,0,0"), "line 3, column 1", "'2.5' is not a label");
    }

    @Test
    void pixelOutsideTheByteRange() throws Exception {
        assertSays(bad("1,0,0,0,256"), "line 1, column 5", "pixel value 256 is outside 0-255");
    }

    @Test
    void labelOutsideZeroToNine() throws Exception {
        assertSays(bad("1,0,0,0,0", "12,0,0,0,0"), "line 2, column 1", "label 12 is outside 0-9");
    }

    @Test
    void aLineLongerThanAnyRowCanBeIsRefusedNamingTheFileAndLine() throws Exception {
        String endless = "1," + "0".repeat(1_000_000);   // no line break for a megabyte: not a CSV of 2x2 images
        assertSays(bad("1,0,0,0,0", "2,0,0,0,0", endless), "line 3", "the line is longer than " + MnistCsvReader.maxLineChars(4) + " characters");
        Path p = tmp.resolve("bad.csv");
        BadInputException e = assertThrows(BadInputException.class, () -> {
            try (MnistCsvReader r = MnistCsvReader.open(hpath(p), conf(), 2, 2)) {
                r.count();
            }
        });
        assertSays(e, "line 3", "the line is longer than");
    }

    @Test
    void crlfAndCrLineEndsReadLikeLf() throws Exception {
        Path p = tmp.resolve("crlf.csv");
        Files.writeString(p, "label,a,b,c,d\r\n1,0,0,0,7\r\n\r\n2,255,0,0,0\r3,0,0,9,0");
        try (MnistCsvReader r = MnistCsvReader.open(hpath(p), conf(), 2, 2)) {
            assertEquals(3, r.count());
            byte[] px = new byte[40];
            int[] lb = new int[10];
            assertEquals(3, r.read(px, lb, 10));
            assertArrayEquals(new int[] {1, 2, 3}, Arrays.copyOf(lb, 3));
            assertArrayEquals(new byte[] {0, 0, 0, 7, (byte) 255, 0, 0, 0, 0, 0, 9, 0}, Arrays.copyOf(px, 12));
        }
    }

    @Test
    void truncatedGzipCsv() throws Exception {
        Path full = writeCsv("full.csv.gz", true, true, 200);
        byte[] gz = Files.readAllBytes(full);
        Path p = TestFiles.write(tmp.resolve("cut.csv.gz"), Arrays.copyOf(gz, gz.length / 2));
        BadInputException e = assertThrows(BadInputException.class, () -> {
            try (MnistCsvReader r = MnistCsvReader.open(hpath(p), conf(), 28, 28)) {
                byte[] px = new byte[10 * 784];
                int[] lb = new int[10];
                while (r.read(px, lb, 10) > 0) {
                    // drain
                }
            }
        });
        assertTrue(e.getMessage().contains("cut.csv.gz") && e.location().startsWith("line ") && e.getMessage().contains("gzip"), e.getMessage());
    }
}
