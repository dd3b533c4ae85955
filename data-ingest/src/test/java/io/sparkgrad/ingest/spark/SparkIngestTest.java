package io.sparkgrad.ingest.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.ingest.convert.ConvertSpec;
import io.sparkgrad.ingest.convert.Format;
import io.sparkgrad.ingest.convert.SparkConvertJob;
import io.sparkgrad.ingest.mnist.Mnist;
import io.sparkgrad.ingest.mnist.MnistCache;
import io.sparkgrad.ingest.mnist.MnistSplit;
import io.sparkgrad.ingest.mnist.MnistSubset;
import io.sparkgrad.ingest.mnist.PixelScaling;
import io.sparkgrad.ingest.spark.MnistFrames.ImageColumn;
import io.sparkgrad.ingest.testutil.LocalSpark;
import io.sparkgrad.ingest.testutil.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DataFrames and per-partition blocks from the real MNIST subset, in one local[2] SparkSession. */
class SparkIngestTest {

    private static SparkSession spark;
    private static MnistSplit test255;
    private static final String DIR = TestFiles.subsetDir().toUri().toString();

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws Exception {
        spark = LocalSpark.start("SparkIngestTest");
        test255 = Mnist.in(TestFiles.subsetDir()).test(PixelScaling.DIV_255);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** The frame's rows in partition order, as raw bytes and labels. */
    private static void assertSameAsSubset(Dataset<Row> df, String imagesGz, String labelsGz) {
        byte[] images = TestFiles.subsetBytes(imagesGz);
        byte[] labels = TestFiles.subsetBytes(labelsGz);
        List<Row> rows = df.collectAsList();
        assertEquals(labels.length - 8, rows.size());
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(labels[8 + i], rows.get(i).getInt(0), "label of row " + i);
            assertArrayEquals(Arrays.copyOfRange(images, 16 + i * 784, 16 + (i + 1) * 784), (byte[]) rows.get(i).get(1), "image of row " + i);
        }
    }

    @Test
    void idxFrameHasTheDocumentedSchemaTheAskedPartitionsAndFileOrder() throws Exception {
        Dataset<Row> df = MnistFrames.load(spark, DIR, MnistSubset.TEST, 3, ImageColumn.BYTES, PixelScaling.NONE);
        assertEquals(MnistFrames.BYTES_SCHEMA, df.schema());
        assertEquals(3, df.rdd().getNumPartitions());
        assertSameAsSubset(df, "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");
        List<Integer> sizes = df.javaRDD().glom().map(List::size).collect();
        assertEquals(List.of(66, 67, 67), sizes);
    }

    @Test
    void floatFrameHoldsScaledPixels() throws Exception {
        Dataset<Row> df = MnistFrames.fromIdx(spark, TestFiles.subset("t10k-images-idx3-ubyte.gz").toString(),
                TestFiles.subset("t10k-labels-idx1-ubyte.gz").toString(), 10, 20, 2, ImageColumn.FLOATS, PixelScaling.DIV_255);
        assertEquals(MnistFrames.FLOATS_SCHEMA, df.schema());
        List<Row> rows = df.collectAsList();
        assertEquals(20, rows.size());
        for (int i = 0; i < 20; i++) {
            List<Float> img = rows.get(i).getList(1);
            for (int k = 0; k < 784; k++) {
                assertEquals(test255.images()[(10 + i) * 784 + k], img.get(k), 0f);
            }
            assertEquals(test255.labels()[10 + i], rows.get(i).getInt(0));
        }
    }

    @Test
    void blocksAreOnePerPartitionAndEqualTheLocalArrays() throws Exception {
        List<SampleBlock> direct = SampleBlocks.load(spark, DIR, MnistSubset.TEST, 4, PixelScaling.DIV_255).collect();
        assertEquals(4, direct.size());
        assertBlocksEqualLocal(direct, test255);
        assertEquals(List.of(50, 50, 50, 50), direct.stream().map(SampleBlock::size).toList());

        Dataset<Row> bytes = MnistFrames.load(spark, DIR, MnistSubset.TEST, 3, ImageColumn.BYTES, PixelScaling.NONE);
        List<SampleBlock> fromBytes = SampleBlocks.fromFrame(bytes, PixelScaling.DIV_255).collect();
        assertEquals(3, fromBytes.size());
        assertBlocksEqualLocal(fromBytes, test255);

        Dataset<Row> floats = MnistFrames.load(spark, DIR, MnistSubset.TEST, 5, ImageColumn.FLOATS, PixelScaling.DIV_255);
        List<SampleBlock> fromFloats = SampleBlocks.fromFrame(floats, PixelScaling.NONE).collect();
        assertEquals(5, fromFloats.size());
        assertBlocksEqualLocal(fromFloats, test255);
    }

    private static void assertBlocksEqualLocal(List<SampleBlock> blocks, MnistSplit local) {
        int at = 0;
        for (int p = 0; p < blocks.size(); p++) {
            SampleBlock b = blocks.get(p);
            assertEquals(p, b.partition());
            assertArrayEquals(new int[] {1, 28, 28}, b.featureShape());
            assertArrayEquals(Arrays.copyOfRange(local.images(), at * 784, (at + b.size()) * 784), b.features(), 0f);
            assertArrayEquals(Arrays.copyOfRange(local.labels(), at, at + b.size()), b.labels());
            at += b.size();
        }
        assertEquals(local.count(), at);
    }

    @Test
    void parquetAndCsvWrittenBySparkReadBackToTheSameBytes() throws Exception {
        Dataset<Row> df = MnistFrames.load(spark, DIR, MnistSubset.TEST, 2, ImageColumn.BYTES, PixelScaling.NONE);
        String pq = tmp.resolve("pq").toUri().toString();
        MnistFrames.writeParquet(df, pq);
        Dataset<Row> back = MnistFrames.readParquet(spark, pq, 0);
        assertSameAsSubset(back, "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");
        List<SampleBlock> blocks = SampleBlocks.fromParquet(spark, pq, 0, PixelScaling.DIV_255).collect();
        assertBlocksEqualLocal(blocks, test255);
        assertEquals(3, MnistFrames.readParquet(spark, pq, 3).rdd().getNumPartitions());

        String csv = tmp.resolve("csv").toUri().toString();
        MnistFrames.writeCsv(df, csv, true);
        List<String> firstLines = Files.readAllLines(firstPart(tmp.resolve("csv")));
        assertTrue(firstLines.get(0).startsWith("label,pixel0,"));
        assertSameAsSubset(MnistFrames.readCsv(spark, csv, 28, 28, 0), "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");
    }

    @Test
    void sparkConverterTurnsIdxIntoParquetAndParquetBackIntoIdenticalIdx() throws Exception {
        String pq = tmp.resolve("train-pq").toString();
        long n = SparkConvertJob.run(spark, new ConvertSpec(Format.IDX, null, TestFiles.subset("train-images-idx3-ubyte.gz").toString(),
                TestFiles.subset("train-labels-idx1-ubyte.gz").toString(), Format.PARQUET, pq, null, null, false, false, 28, 28, 3));
        assertEquals(300, n);
        Path img = tmp.resolve("img");
        Path lab = tmp.resolve("lab");
        SparkConvertJob.run(spark, new ConvertSpec(Format.PARQUET, pq, null, null, Format.IDX, null, img.toString(), lab.toString(),
                false, true, 28, 28, 0));
        assertArrayEquals(TestFiles.subsetBytes("train-images-idx3-ubyte.gz"), TestFiles.gunzip(Files.readAllBytes(img)));
        assertArrayEquals(TestFiles.subsetBytes("train-labels-idx1-ubyte.gz"), TestFiles.gunzip(Files.readAllBytes(lab)));
    }

    @Test
    void fullSetTutorialValidationBlocksEqualTheLocalSplitWhenCached() throws Exception {
        Path dir = MnistCache.defaultDir();
        if (!MnistCache.targets().stream().allMatch(t -> Files.isRegularFile(dir.resolve(t.name())))) {
            String why = "full MNIST is not cached in " + dir + ", so this full-set test is SKIPPED (bin/mnist-download fills the cache)";
            System.err.println("SparkIngestTest: " + why);
            Assumptions.abort(why);
        }
        MnistSplit local = Mnist.fromCache().tutorialValid(PixelScaling.NORMALIZE);
        List<SampleBlock> blocks = SampleBlocks.load(spark, dir.toUri().toString(), MnistSubset.TUTORIAL_VALID, 2,
                PixelScaling.NORMALIZE).collect();
        assertEquals(List.of(5000, 5000), blocks.stream().map(SampleBlock::size).toList());
        assertBlocksEqualLocal(blocks, local);
    }

    @Test
    void aBadCsvFailsTheJobWithAMessageNamingFileAndLine() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("bad"));
        Files.write(dir.resolve("a.csv"), List.of("1,0,0,0,0", "2,0,0,0,0"));
        Files.write(dir.resolve("b.csv"), List.of("1,0,0,0,0", "2,0,0,0"));
        Exception e = assertThrows(Exception.class, () -> MnistFrames.readCsv(spark, dir.toUri().toString(), 2, 2, 0).count());
        String all = messages(e);
        assertTrue(all.contains("b.csv at line 2: 4 values, expected 5"), all);
    }

    @Test
    void aFrameWithoutTheColumnsIsRefusedNamingTheSchema() {
        Dataset<Row> df = spark.range(3).toDF("id");
        Exception e = assertThrows(Exception.class, () -> SampleBlocks.fromFrame(df, PixelScaling.DIV_255));
        assertTrue(e.getMessage().contains("needs columns 'label' and 'image'") && e.getMessage().contains("id:bigint"), e.getMessage());
    }

    private static String messages(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c.getMessage()).append(" | ");
        }
        return sb.toString();
    }

    private static Path firstPart(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().findFirst().orElseThrow();
        }
    }
}
