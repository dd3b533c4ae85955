package io.sparkgrad.ingest.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.ingest.idx.IdxReader;
import io.sparkgrad.ingest.mnist.Mnist;
import io.sparkgrad.ingest.mnist.MnistSplit;
import io.sparkgrad.ingest.mnist.MnistSubset;
import io.sparkgrad.ingest.mnist.PixelScaling;
import io.sparkgrad.ingest.parquet.MnistParquetReader;
import io.sparkgrad.ingest.spark.MnistFrames.ImageColumn;
import io.sparkgrad.ingest.testutil.LocalSpark;
import io.sparkgrad.ingest.testutil.MiniDfs;
import io.sparkgrad.ingest.testutil.TestFiles;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MNIST (the real subset) landed on a real in-process HDFS as Parquet and read back, byte for byte. */
class HdfsParquetTest {

    @TempDir
    static Path base;

    private static MiniDFSCluster cluster;
    private static SparkSession spark;
    private static String hdfs;

    @BeforeAll
    static void start() throws Exception {
        cluster = MiniDfs.start(new Configuration(), base);
        hdfs = MiniDfs.uri(cluster);
        spark = LocalSpark.start("HdfsParquetTest");
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
        if (cluster != null) {
            cluster.shutdown();
        }
    }

    @Test
    void mnistWrittenAsParquetToHdfsReadsBackAsTheSameFrameAndBlocks() throws Exception {
        Dataset<Row> local = MnistFrames.load(spark, TestFiles.subsetDir().toUri().toString(), MnistSubset.TRAIN, 3,
                ImageColumn.BYTES, PixelScaling.NONE);
        String target = hdfs + "/data/mnist/train";
        MnistFrames.writeParquet(local, target);

        FileSystem fs = new org.apache.hadoop.fs.Path(target).getFileSystem(spark.sparkContext().hadoopConfiguration());
        assertEquals("hdfs", fs.getScheme());
        assertEquals(3, MnistParquetReader.partFiles(new org.apache.hadoop.fs.Path(target), fs.getConf()).size());

        List<Row> expected = local.collectAsList();
        List<Row> back = MnistFrames.readParquet(spark, target, 0).collectAsList();
        assertEquals(300, back.size());
        for (int i = 0; i < back.size(); i++) {
            assertEquals(expected.get(i).getInt(0), back.get(i).getInt(0));
            assertArrayEquals((byte[]) expected.get(i).get(1), (byte[]) back.get(i).get(1), "image of row " + i);
        }

        MnistSplit reference = Mnist.in(TestFiles.subsetDir()).train(PixelScaling.NORMALIZE);
        List<SampleBlock> blocks = SampleBlocks.fromParquet(spark, target, 0, PixelScaling.NORMALIZE).collect();
        assertEquals(3, blocks.size());
        float[] all = new float[0];
        int[] labels = new int[0];
        for (SampleBlock b : blocks) {
            all = concat(all, b.features());
            labels = concat(labels, b.labels());
        }
        assertArrayEquals(reference.images(), all, 0f);
        assertArrayEquals(reference.labels(), labels);
    }

    @Test
    void idxFilesOnHdfsAreReadByRangeAndLoadedIntoBlocks() throws Exception {
        FileSystem fs = cluster.getFileSystem();
        org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(hdfs + "/data/idx");
        fs.mkdirs(dir);
        for (String f : List.of("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")) {
            fs.copyFromLocalFile(TestFiles.hpath(TestFiles.subset(f)), new org.apache.hadoop.fs.Path(dir, f));
        }
        try (IdxReader r = IdxReader.open(new org.apache.hadoop.fs.Path(dir, "t10k-labels-idx1-ubyte.gz"), fs.getConf())) {
            r.seekRecord(5);
            int[] got = new int[5];
            r.readInts(got, 0, 5);
            assertArrayEquals(Arrays.copyOfRange(TestFiles.FIRST_TEST_LABELS, 5, 10), got);
        }
        List<SampleBlock> blocks = SampleBlocks.load(spark, dir.toString(), MnistSubset.TEST, 2, PixelScaling.DIV_256).collect();
        MnistSplit reference = Mnist.in(TestFiles.subsetDir()).test(PixelScaling.DIV_256);
        assertEquals(2, blocks.size());
        assertArrayEquals(Arrays.copyOf(reference.images(), 100 * 784), blocks.get(0).features(), 0f);
        assertArrayEquals(Arrays.copyOfRange(reference.labels(), 100, 200), blocks.get(1).labels());
        assertTrue(blocks.get(1).features().length == 100 * 784);
    }

    private static float[] concat(float[] a, float[] b) {
        float[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
