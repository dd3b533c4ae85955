package io.sparkgrad.trainer.data;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.ingest.mnist.MnistSubset;
import io.sparkgrad.ingest.mnist.PixelScaling;
import io.sparkgrad.ingest.spark.MnistFrames;
import io.sparkgrad.ingest.spark.SampleBlocks;
import io.sparkgrad.trainer.LocalSpark;
import org.apache.spark.SparkException;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Any DataFrame's features and labels become the trainer's blocks; bad rows fail with what and where. */
class FrameBlocksTest {

    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = LocalSpark.start("local[2]", "frame-blocks");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** Three samples of 4 features, labels 2, 0, 1, as a vector (one sparse), float and double arrays and bytes. */
    static Dataset<Row> frame() {
        StructType schema = new StructType()
                .add("vec", SQLDataTypes.VectorType())
                .add("floats", DataTypes.createArrayType(DataTypes.FloatType))
                .add("doubles", DataTypes.createArrayType(DataTypes.DoubleType))
                .add("bytes", DataTypes.BinaryType)
                .add("label", DataTypes.LongType);
        List<Row> rows = List.of(
                RowFactory.create(Vectors.dense(0, 51, 102, 255), new Float[] {0f, 51f, 102f, 255f}, new Double[] {0d, 51d, 102d, 255d},
                        new byte[] {0, 51, 102, (byte) 255}, 2L),
                RowFactory.create(Vectors.sparse(4, new int[] {1}, new double[] {255}), new Float[] {0f, 255f, 0f, 0f},
                        new Double[] {0d, 255d, 0d, 0d}, new byte[] {0, (byte) 255, 0, 0}, 0L),
                RowFactory.create(Vectors.dense(5, 5, 5, 5), new Float[] {5f, 5f, 5f, 5f}, new Double[] {5d, 5d, 5d, 5d},
                        new byte[] {5, 5, 5, 5}, 1L));
        return spark.createDataFrame(rows, schema).coalesce(1);
    }

    static SampleBlock only(Dataset<Row> df, FrameBlocks conversion) {
        List<SampleBlock> blocks = conversion.toBlocks(df, "test data").collect();
        assertEquals(1, blocks.size());
        return blocks.get(0);
    }

    @Test
    void vectorsArraysAndBytesGiveTheSameSamples() {
        Dataset<Row> df = frame();
        float[] expected = {0, 51, 102, 255, 0, 255, 0, 0, 5, 5, 5, 5};
        for (String col : List.of("vec", "floats", "doubles")) {
            SampleBlock b = only(df, FrameBlocks.of(col, "label"));
            assertArrayEquals(new int[] {4}, b.featureShape(), col + ": the shape is inferred as [n]");
            assertArrayEquals(expected, b.features(), 0f, col);
            assertArrayEquals(new int[] {2, 0, 1}, b.labels(), col);
        }
        SampleBlock bytes = only(df, FrameBlocks.of("bytes", "label").featureShape(1, 2, 2));
        assertArrayEquals(new int[] {1, 2, 2}, bytes.featureShape());
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i] / 255f, bytes.features()[i], 0f, "bytes are unsigned and divided by 255, value " + i);
        }
    }

    @Test
    void theNumberOfClassesComesFromMetadataOrTheLargestLabel() {
        Dataset<Row> df = frame();
        assertEquals(3, FrameBlocks.of("vec", "label").resolveNumClasses(df), "largest label 2 + 1");
        Dataset<Row> declared = df.withColumn("label", functions.col("label").as("label",
                NominalAttribute.defaultAttr().withName("label").withNumValues(7).toMetadata()));
        assertEquals(7, FrameBlocks.of("vec", "label").resolveNumClasses(declared), "the label's NominalAttribute");
        assertEquals(4, FrameBlocks.of("vec", "label").numClasses(4).resolveNumClasses(declared), "given");
    }

    @Test
    void aRowOfTheWrongLengthNamesTheColumnRowAndBothSizes() {
        Exception e = assertThrows(SparkException.class, () -> only(frame(), FrameBlocks.of("floats", "label").featureShape(1, 28, 28)));
        String m = rootMessage(e);
        assertTrue(m.contains("features column 'floats'") && m.contains("row 0") && m.contains("4 values")
                && m.contains("[1, 28, 28] needs 784"), m);
    }

    @Test
    void labelsThatAreNotClassIndicesAreNamedByValue() {
        Dataset<Row> fractional = frame().withColumn("label", functions.col("label").plus(0.5));
        String m = rootMessage(assertThrows(SparkException.class, () -> only(fractional, FrameBlocks.of("vec", "label").numClasses(5))));
        assertTrue(m.contains("label column 'label'") && m.contains("label 2.5") && m.contains("integers"), m);
        String out = rootMessage(assertThrows(SparkException.class, () -> only(frame(), FrameBlocks.of("vec", "label").numClasses(2))));
        assertTrue(out.contains("label 2.0 is not a class index 0..1"), out);
    }

    @Test
    void columnsOfTheWrongTypeAreNamedWithTheirType() {
        Dataset<Row> df = frame().withColumn("text", functions.lit("x"));
        IllegalArgumentException f = assertThrows(IllegalArgumentException.class, () -> FrameBlocks.of("text", "label").toBlocks(df, "training data"));
        assertTrue(f.getMessage().contains("training data") && f.getMessage().contains("features column 'text' has type string"), f.getMessage());
        IllegalArgumentException l = assertThrows(IllegalArgumentException.class, () -> FrameBlocks.of("vec", "text").toBlocks(df, "training data"));
        assertTrue(l.getMessage().contains("label column 'text' has type string") && l.getMessage().contains("numeric"), l.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> FrameBlocks.of("nope", "label").check(df.schema()));
        assertTrue(missing.getMessage().contains("'nope' does not exist") && missing.getMessage().contains("vec"), missing.getMessage());
    }

    @Test
    void anMnistFrameOfBytesConvertsAsDataIngestsOwnConversion() throws Exception {
        String subset = FrameInputTest.SUBSET;
        Dataset<Row> bytes = MnistFrames.load(spark, subset, MnistSubset.TEST, 2, MnistFrames.ImageColumn.BYTES, PixelScaling.NONE);
        List<SampleBlock> generic = FrameBlocks.of("image", "label").featureShape(1, 28, 28).byteValues(PixelScaling.DIV_256.table())
                .toBlocks(bytes, "test data").collect();
        List<SampleBlock> mnist = SampleBlocks.fromFrame(bytes, PixelScaling.DIV_256).collect();
        assertEquals(mnist.size(), generic.size());
        for (int p = 0; p < mnist.size(); p++) {
            assertArrayEquals(mnist.get(p).features(), generic.get(p).features(), 0f);
            assertArrayEquals(mnist.get(p).labels(), generic.get(p).labels());
            assertArrayEquals(mnist.get(p).featureShape(), generic.get(p).featureShape());
        }
    }

    static String rootMessage(Throwable t) {
        StringBuilder all = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            all.append(c.getMessage()).append(" | ");
        }
        return all.toString();
    }
}
