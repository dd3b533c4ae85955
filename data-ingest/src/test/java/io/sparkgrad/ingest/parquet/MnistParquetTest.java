package io.sparkgrad.ingest.parquet;

import static io.sparkgrad.ingest.testutil.TestFiles.conf;
import static io.sparkgrad.ingest.testutil.TestFiles.hpath;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.ingest.BadInputException;
import io.sparkgrad.ingest.testutil.TestFiles;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.api.Binary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MnistParquetTest {

    @TempDir
    Path tmp;

    private final byte[] images = TestFiles.subsetBytes("train-images-idx3-ubyte.gz");
    private final byte[] labels = TestFiles.subsetBytes("train-labels-idx1-ubyte.gz");

    @Test
    void writesAndReadsBackTheSameBytesAndShape() throws Exception {
        Path p = tmp.resolve("train.parquet");
        int[] lb = new int[300];
        for (int i = 0; i < 300; i++) {
            lb[i] = labels[8 + i];
        }
        try (MnistParquetWriter w = MnistParquetWriter.create(hpath(p), conf(), 28, 28)) {
            w.write(Arrays.copyOfRange(images, 16, 16 + 100 * 784), Arrays.copyOf(lb, 100), 100);
            w.write(Arrays.copyOfRange(images, 16 + 100 * 784, images.length), Arrays.copyOfRange(lb, 100, 300), 200);
        }
        try (MnistParquetReader r = MnistParquetReader.open(hpath(p), conf(), 1, 1)) {
            assertEquals(28, r.rows());
            assertEquals(28, r.cols());
            assertEquals(300, r.count());
            byte[] px = new byte[300 * 784];
            int[] got = new int[300];
            assertEquals(300, r.read(px, got, 300));
            assertEquals(0, r.read(px, got, 300));
            assertArrayEquals(Arrays.copyOfRange(images, 16, images.length), px);
            assertArrayEquals(lb, got);
        }
    }

    @Test
    void aWriterFedFromOneReusedBufferKeepsEveryImage() throws Exception {
        // The converter refills one buffer per chunk; Parquet holds values until a page is flushed, so a writer that
        // kept references into the caller's buffer would write later chunks' pixels over earlier images.
        Path p = tmp.resolve("reused.parquet");
        int n = 3000;
        byte[] expected = new byte[n * 784];
        int[] lb = new int[n];
        for (int i = 0; i < n; i++) {
            Arrays.fill(expected, i * 784, (i + 1) * 784, (byte) (i * 7 + 1));
            lb[i] = i % 10;
        }
        byte[] buf = new byte[100 * 784];
        try (MnistParquetWriter w = MnistParquetWriter.create(hpath(p), conf(), 28, 28)) {
            for (int start = 0; start < n; start += 100) {
                System.arraycopy(expected, start * 784, buf, 0, buf.length);
                w.write(buf, Arrays.copyOfRange(lb, start, start + 100), 100);
            }
        }
        try (MnistParquetReader r = MnistParquetReader.open(hpath(p), conf(), 28, 28)) {
            byte[] px = new byte[n * 784];
            int[] got = new int[n];
            assertEquals(n, r.read(px, got, n));
            assertArrayEquals(expected, px);
            assertArrayEquals(lb, got);
        }
    }

    @Test
    void anImageOfTheWrongLengthNamesFileAndRow() throws Exception {
        Path p = tmp.resolve("short.parquet");
        Configuration conf = conf();
        SimpleGroupFactory f = new SimpleGroupFactory(MnistParquet.schema());
        try (ParquetWriter<Group> w = ExampleParquetWriter.builder(HadoopOutputFile.fromPath(hpath(p), conf))
                .withConf(conf).withType(MnistParquet.schema()).build()) {
            w.write(f.newGroup().append("label", 3).append("image", Binary.fromConstantByteArray(new byte[784])));
            w.write(f.newGroup().append("label", 4).append("image", Binary.fromConstantByteArray(new byte[783])));
        }
        BadInputException e = assertThrows(BadInputException.class, () -> {
            try (MnistParquetReader r = MnistParquetReader.open(hpath(p), conf, 28, 28)) {
                r.read(new byte[2 * 784], new int[2], 2);
            }
        });
        assertEquals("row 1", e.location());
        assertTrue(e.getMessage().contains("short.parquet") && e.getMessage().contains("image of 783 bytes, expected 784"), e.getMessage());
    }
}
