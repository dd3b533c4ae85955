package io.sparkgrad.ingest.idx;

import static io.sparkgrad.ingest.testutil.TestFiles.conf;
import static io.sparkgrad.ingest.testutil.TestFiles.hpath;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.ingest.BadInputException;
import io.sparkgrad.ingest.testutil.TestFiles;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each malformed IDX input gives a {@link BadInputException} naming the file, the offset and the problem. */
class IdxBadInputTest {

    @TempDir
    Path tmp;

    private final byte[] labels = TestFiles.subsetBytes("train-labels-idx1-ubyte.gz");   // 8 + 300 bytes
    private final byte[] images = TestFiles.subsetBytes("train-images-idx3-ubyte.gz");   // 16 + 300 * 784 bytes

    private BadInputException readAll(Path p) {
        return assertThrows(BadInputException.class, () -> {
            try (IdxReader r = IdxReader.open(hpath(p), conf())) {
                r.readFloats(new float[(int) (r.header().records() * r.header().recordElements())], 0, (int) r.header().records());
            }
        });
    }

    private static void assertNames(BadInputException e, Path file, String location, String... words) {
        String m = e.getMessage();
        assertTrue(m.contains(file.getFileName().toString()), "no file name in: " + m);
        assertEquals(location, e.location(), m);
        for (String w : words) {
            assertTrue(m.contains(w), "'" + w + "' not in: " + m);
        }
    }

    /** A wrong byte in the magic number: the first two must be 0, the third a known element type. */
    @ParameterizedTest(name = "byte {0} = {1}: {3}")
    @CsvSource({
        "0, 0x12, byte offset 0, wrong magic number 0x12000801",
        "2, 0x07, byte offset 2, unknown element type 0x07",
    })
    void aWrongMagicNumberByteIsNamed(int offset, String value, String location, String problem) {
        byte[] b = labels.clone();
        b[offset] = Integer.decode(value).byteValue();
        Path p = TestFiles.write(tmp.resolve("magic-" + offset), b);
        assertNames(readAll(p), p, location, problem);
    }

    @Test
    void truncatedRawFile() {
        Path p = TestFiles.write(tmp.resolve("trunc"), Arrays.copyOf(images, 16 + 100 * 784 + 5));
        assertNames(readAll(p), p, "byte offset " + (16 + 100 * 784 + 5), "truncated", "100 whole records", "235216 bytes");
    }

    @Test
    void truncatedHeader() {
        Path p = TestFiles.write(tmp.resolve("trunc-header"), Arrays.copyOf(images, 10));
        assertNames(readAll(p), p, "byte offset 10", "truncated", "dimension sizes");
    }

    @Test
    void bytesAfterTheLastRecord() {
        Path p = TestFiles.write(tmp.resolve("long"), Arrays.copyOf(labels, labels.length + 3));
        assertNames(readAll(p), p, "byte offset 308", "3 bytes after the last record");
    }

    @Test
    void truncatedGzipStream() {
        byte[] gz = TestFiles.gzip(images);
        Path p = TestFiles.write(tmp.resolve("trunc.gz"), Arrays.copyOf(gz, gz.length / 2));
        BadInputException e = readAll(p);
        assertTrue(e.location().startsWith("decompressed byte offset "), e.getMessage());
        assertTrue(e.getMessage().contains(p.getFileName().toString()) && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void corruptGzipData() {
        byte[] gz = TestFiles.gzip(images);
        for (int i = gz.length / 3; i < gz.length / 3 + 64; i++) {
            gz[i] ^= 0x5A;
        }
        Path p = TestFiles.write(tmp.resolve("corrupt.gz"), gz);
        BadInputException e = readAll(p);
        assertTrue(e.location().startsWith("decompressed byte offset "), e.getMessage());
        assertTrue(e.getMessage().contains("compressed byte offset about"), e.getMessage());
        assertTrue(e.getMessage().contains(p.getFileName().toString()) && e.getMessage().contains("gzip"), e.getMessage());
    }

    @Test
    void corruptGzipTrailerIsCaughtAtTheEnd() {
        byte[] gz = TestFiles.gzip(labels);
        gz[gz.length - 6] ^= 0x01;   // a CRC-32 byte of the trailer: the data itself decompresses fine
        Path p = TestFiles.write(tmp.resolve("crc.gz"), gz);
        BadInputException e = readAll(p);
        assertTrue(e.getMessage().contains("corrupt gzip data") && e.getMessage().contains("crc.gz"), e.getMessage());
    }

    @Test
    void dimensionsWhoseProductOverflowsAreRefusedOnOpen() {
        // 4 dimensions of 2^31-1 ubyte elements: 2^124 bytes, which a long cannot count
        ByteBuffer b = ByteBuffer.allocate(4 + 16).putInt(0x00000804);
        for (int i = 0; i < 4; i++) {
            b.putInt(Integer.MAX_VALUE);
        }
        Path p = TestFiles.write(tmp.resolve("overflow"), b.array());
        BadInputException e = assertThrows(BadInputException.class, () -> IdxReader.open(hpath(p), conf()));
        assertNames(e, p, "byte offset 4", "describe more than 2^63-1 bytes", "[2147483647, 2147483647, 2147483647, 2147483647]");
        // the same through gzip, where no file length can catch it first
        Path gz = TestFiles.write(tmp.resolve("overflow.gz"), TestFiles.gzip(b.array()));
        assertNames(assertThrows(BadInputException.class, () -> IdxReader.open(hpath(gz), conf())), gz, "byte offset 4", "more than 2^63-1 bytes");
    }

    @Test
    void aRawHeaderIsCheckedAgainstTheFileLengthBeforeAnyRecordIsRead() {
        byte[] b = labels.clone();
        ByteBuffer.wrap(b).putInt(4, Integer.MAX_VALUE);   // claims 2^31-1 labels in a 308-byte file
        Path p = TestFiles.write(tmp.resolve("claims-more"), b);
        BadInputException e = assertThrows(BadInputException.class, () -> IdxReader.open(hpath(p), conf()));
        assertNames(e, p, "byte offset 308", "truncated", "needs " + (8L + Integer.MAX_VALUE) + " bytes", "only 300 whole records");
    }

    @Test
    void aGzipHeaderClaimingMoreThanDeflateCanHoldIsRefusedOnOpen() {
        byte[] b = images.clone();
        ByteBuffer.wrap(b).putInt(4, 2_000_000);   // 2 million 28x28 images: 1.5 GB from a file of some kilobytes
        byte[] gz = TestFiles.gzip(b);
        Path p = TestFiles.write(tmp.resolve("claims-more.gz"), gz);
        BadInputException e = assertThrows(BadInputException.class, () -> IdxReader.open(hpath(p), conf()));
        assertNames(e, p, "byte offset 4", "claims " + (16L + 2_000_000L * 784) + " uncompressed bytes",
                "a gzip file of " + gz.length + " bytes inflates to at most about", "the header is corrupt");
    }

    @Test
    void askingForMoreRecordsThanTheFileHolds() throws Exception {
        Path p = TestFiles.write(tmp.resolve("labels"), labels);
        try (IdxReader r = IdxReader.open(hpath(p), conf())) {
            r.seekRecord(290);
            BadInputException e = assertThrows(BadInputException.class, () -> r.readInts(new int[20], 0, 20));
            assertNames(e, p, "record 290", "asked for 20 records", "holds 300 records");
        }
    }
}
