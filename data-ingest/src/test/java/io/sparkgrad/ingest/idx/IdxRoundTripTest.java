package io.sparkgrad.ingest.idx;

import static io.sparkgrad.ingest.testutil.TestFiles.conf;
import static io.sparkgrad.ingest.testutil.TestFiles.hpath;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.ingest.testutil.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class IdxRoundTripTest {

    @TempDir
    Path tmp;

    /** Values every type holds exactly, including its extremes. */
    private static double[] sample(IdxType t, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = switch (t) {
                case UNSIGNED_BYTE -> (i * 37) % 256;
                case BYTE -> (i * 37) % 256 - 128;
                case SHORT -> (i * 7919) % 65536 - 32768;
                case INT -> (i % 2 == 0 ? 1 : -1) * (double) (i * 104_729L % Integer.MAX_VALUE);
                case FLOAT -> (float) (i * 0.37 - 5);
                case DOUBLE -> i * 0.1234567890123 - 7;
            };
        }
        v[0] = t.min();
        v[n - 1] = t == IdxType.FLOAT ? Float.MAX_VALUE : t.max();
        return v;
    }

    @ParameterizedTest
    @EnumSource(IdxType.class)
    void everyElementTypeRoundTripsRawAndGzipInFourDimensions(IdxType t) throws Exception {
        IdxHeader h = new IdxHeader(t, new int[] {5, 2, 3, 4});
        double[] v = sample(t, 5 * 24);
        for (boolean gz : new boolean[] {false, true}) {
            // The names say the opposite of the contents: compression must be found from the bytes.
            Path p = tmp.resolve(t + (gz ? ".raw" : ".gz"));
            try (IdxWriter w = IdxWriter.create(hpath(p), conf(), h, gz)) {
                w.writeDoubles(v, 0, 60);
                w.writeDoubles(v, 60, 60);
            }
            assertEquals(gz, Files.readAllBytes(p)[0] == (byte) 0x1f);
            try (IdxReader r = IdxReader.open(hpath(p), conf())) {
                assertEquals(h, r.header());
                assertEquals(gz, r.gzipped());
                assertEquals(24, r.header().recordElements());
                double[] back = new double[v.length];
                r.readDoubles(back, 0, 5);
                assertArrayEquals(v, back, 0.0);
                assertEquals(5, r.nextRecord());
                r.seekRecord(2);
                float[] f = new float[24];
                r.readFloats(f, 0, 1);
                for (int i = 0; i < 24; i++) {
                    assertEquals((float) v[48 + i], f[i], 0f, "element " + i);
                }
                if (t.integral()) {
                    r.seekRecord(1);
                    int[] ints = new int[48];
                    r.readInts(ints, 0, 2);
                    for (int i = 0; i < 48; i++) {
                        assertEquals((int) v[24 + i], ints[i]);
                    }
                } else {
                    assertThrows(IllegalArgumentException.class, () -> r.readInts(new int[24], 0, 1));
                }
            }
        }
    }

    @Test
    void oneDimensionalFileHasOneElementPerRecordAndRawBytesAreBigEndian() throws Exception {
        Path p = tmp.resolve("v");
        try (IdxWriter w = IdxWriter.create(hpath(p), conf(), new IdxHeader(IdxType.SHORT, new int[] {3}), false)) {
            w.writeInts(new int[] {1, -2, 258}, 0, 3);
        }
        byte[] file = Files.readAllBytes(p);
        assertArrayEquals(new byte[] {0, 0, 0x0B, 1, 0, 0, 0, 3, 0, 1, (byte) 0xFF, (byte) 0xFE, 1, 2}, file);
        try (IdxReader r = IdxReader.open(hpath(p), conf())) {
            byte[] raw = new byte[4];
            r.seekRecord(1);
            r.readBytes(raw, 0, 2);
            assertArrayEquals(new byte[] {(byte) 0xFF, (byte) 0xFE, 1, 2}, raw);
        }
    }

    @Test
    void aRecordRangeOfARawFileIsReadWithoutReadingTheRestOfIt() throws Exception {
        Path p = tmp.resolve("big");
        int records = 2000;
        int per = 1000;
        byte[] data = new byte[records * per];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31 + i / per);
        }
        try (IdxWriter w = IdxWriter.create(hpath(p), conf(), new IdxHeader(IdxType.UNSIGNED_BYTE, new int[] {records, per}), false)) {
            w.writeBytes(data, 0, data.length);
        }
        FileSystem fs = FileSystem.getLocal(conf());
        // The local file system counts its reads in the statistics of the raw file system it wraps.
        FileSystem.Statistics stats = FileSystem.getStatistics("file", org.apache.hadoop.fs.RawLocalFileSystem.class);
        long before = stats.getBytesRead();
        byte[] got = new byte[3 * per];
        try (IdxReader r = IdxReader.open(fs, hpath(p))) {
            r.seekRecord(1500);
            r.readBytes(got, 0, 3);
        }
        long read = stats.getBytesRead() - before;
        for (int i = 0; i < got.length; i++) {
            assertEquals(data[1500 * per + i], got[i]);
        }
        assertTrue(read >= got.length, "the statistics saw " + read + " bytes read");
        assertTrue(read < data.length / 10, "read " + read + " bytes of a " + data.length + "-byte file for 3 records");
    }

    @Test
    void gzipReaderSeeksForwardAndBack() throws Exception {
        Path p = tmp.resolve("g");
        int[] v = new int[100];
        for (int i = 0; i < v.length; i++) {
            v[i] = i * 3;
        }
        try (IdxWriter w = IdxWriter.create(hpath(p), conf(), new IdxHeader(IdxType.INT, new int[] {100}), true)) {
            w.writeInts(v, 0, 100);
        }
        try (IdxReader r = IdxReader.open(hpath(p), conf())) {
            int[] one = new int[1];
            r.seekRecord(90);
            r.readInts(one, 0, 1);
            assertEquals(270, one[0]);
            r.seekRecord(7);
            r.readInts(one, 0, 1);
            assertEquals(21, one[0]);
            assertEquals(92, r.remainingRecords());
        }
    }

    @Test
    void writerClosedShortDeletesTheFileAndRefusesValuesOutsideTheType() throws Exception {
        Path p = tmp.resolve("short");
        IdxWriter w = IdxWriter.create(hpath(p), conf(), new IdxHeader(IdxType.UNSIGNED_BYTE, new int[] {4}), false);
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> w.writeInts(new int[] {1, 256}, 0, 2));
        assertTrue(bad.getMessage().contains("256") && bad.getMessage().contains("index 1"), bad.getMessage());
        IllegalStateException e = assertThrows(IllegalStateException.class, w::close);
        assertTrue(e.getMessage().contains("deleted"), e.getMessage());
        assertFalse(Files.exists(p));
    }

    @Test
    void realSubsetHeadersAreMnistShaped() throws Exception {
        try (IdxReader r = IdxReader.open(hpath(TestFiles.subset("train-images-idx3-ubyte.gz")), conf())) {
            assertTrue(r.gzipped());
            assertEquals(new IdxHeader(IdxType.UNSIGNED_BYTE, new int[] {300, 28, 28}), r.header());
            assertEquals(0x803, r.header().magic());
        }
    }
}
