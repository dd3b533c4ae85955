package io.sparkgrad.ingest.spark;

import io.sparkgrad.ingest.BadInputException;
import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.ingest.mnist.Mnist;
import io.sparkgrad.ingest.mnist.MnistIdxReader;
import io.sparkgrad.ingest.mnist.MnistSubset;
import io.sparkgrad.ingest.mnist.PixelScaling;
import io.sparkgrad.ingest.parquet.MnistParquet;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * MNIST-shaped data as an RDD of {@link SampleBlock}s, exactly one block per partition: all of a partition's
 * pixels in one float array (sample-major, shape {@code [1, rows, cols]} a sample) and its labels in one int
 * array. A trainer caches this RDD and slices minibatches out of each block without per-sample objects.
 *
 * <p>Block {@code p} holds partition {@code p}'s samples in their order in the source; its
 * {@link SampleBlock#partition()} is {@code p}.
 */
public final class SampleBlocks {

    private static final int CHUNK = 1024;

    private SampleBlocks() {
    }

    /**
     * Blocks of a part of MNIST in the folder {@code mnistDir} (any Hadoop path with the four standard files),
     * read straight from the IDX files by the tasks: {@code partitions} contiguous, balanced ranges.
     */
    public static JavaRDD<SampleBlock> load(SparkSession spark, String mnistDir, MnistSubset subset, int partitions,
            PixelScaling scaling) throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Mnist mnist = Mnist.in(new Path(mnistDir), conf);
        long records;
        try (MnistIdxReader r = mnist.open(subset)) {
            records = r.count();
        }
        return fromIdx(spark, mnist.path(subset.images()).toString(), mnist.path(subset.labels()).toString(),
                subset.first(), records, partitions, scaling);
    }

    /**
     * Blocks of records {@code first .. first + count - 1} of an MNIST-layout IDX pair, {@code partitions}
     * contiguous, balanced ranges, each read by its task into exactly-sized arrays (no rows, no copies).
     */
    public static JavaRDD<SampleBlock> fromIdx(SparkSession spark, String images, String labels, long first, long count,
            int partitions, PixelScaling scaling) throws IOException {
        return fromIdx(spark.sparkContext(), images, labels, first, count, partitions, scaling);
    }

    /** {@link #fromIdx(SparkSession, String, String, long, long, int, PixelScaling)} on a bare Spark context (no SQL needed). */
    public static JavaRDD<SampleBlock> fromIdx(SparkContext spark, String images, String labels, long first, long count,
            int partitions, PixelScaling scaling) throws IOException {
        MnistFrames.requirePartitions(partitions);
        SerializableConfiguration conf = new SerializableConfiguration(spark.hadoopConfiguration());
        int rows;
        int cols;
        try (MnistIdxReader r = MnistIdxReader.open(new Path(images), new Path(labels), conf.get())) {
            r.range(first, count);
            rows = r.rows();
            cols = r.cols();
        }
        float[] table = scaling.table();
        return MnistFrames.partitionSeeds(spark, partitions).mapPartitionsWithIndex((p, ignored) -> {
            RecordRange range = RecordRange.share(first, count, p, partitions);
            int n = Math.toIntExact(range.count());
            try (MnistIdxReader r = MnistIdxReader.open(new Path(images), new Path(labels), conf.get())) {
                return List.of(r.range(range.first(), n).readBlock(p, n, table)).iterator();
            }
        }, true);
    }

    /** Blocks of a Parquet file or folder in the {@link MnistFrames} layout ({@code partitions}: see {@link MnistFrames#readParquet}). */
    public static JavaRDD<SampleBlock> fromParquet(SparkSession spark, String path, int partitions, PixelScaling scaling)
            throws IOException {
        return fromFrame(MnistFrames.readParquet(spark, path, partitions), scaling, 28, 28);
    }

    /** Blocks of an MNIST frame (28x28 images); see {@link #fromFrame(Dataset, PixelScaling, int, int)}. */
    public static JavaRDD<SampleBlock> fromFrame(Dataset<Row> frame, PixelScaling scaling) throws BadInputException {
        return fromFrame(frame, scaling, 28, 28);
    }

    /**
     * One block per partition of {@code frame} (either {@link MnistFrames} layout). Byte images are scaled with
     * {@code scaling}; float images were scaled when they were made and are copied as they are. Every image must
     * have {@code rows * cols} pixels.
     */
    public static JavaRDD<SampleBlock> fromFrame(Dataset<Row> frame, PixelScaling scaling, int rows, int cols)
            throws BadInputException {
        DataType type = MnistFrames.imageType(frame, "frame");
        boolean bytes = type == DataTypes.BinaryType;
        float[] table = scaling.table();
        int pixels = rows * cols;
        // The internal rows give the binary as byte[] and the float array as float[] without boxing; they may be
        // reused between iterations, so each row's data is copied out at once.
        JavaRDD<InternalRow> internal = frame.select(MnistParquet.LABEL, MnistParquet.IMAGE).queryExecution().toRdd().toJavaRDD();
        return internal.mapPartitionsWithIndex((p, it) -> List.of(build(p, it, bytes, table, rows, cols, pixels)).iterator(), true);
    }

    private static SampleBlock build(int p, Iterator<InternalRow> it, boolean bytes, float[] table, int rows, int cols,
            int pixels) throws BadInputException {
        SampleBlock.Builder block = new SampleBlock.Builder(p, new int[] {1, rows, cols}, CHUNK);
        while (it.hasNext()) {
            InternalRow r = it.next();
            int n = block.size();
            if (r.isNullAt(0) || r.isNullAt(1)) {
                throw new BadInputException("frame", "partition " + p + ", row " + n, "null label or image");
            }
            int label = r.getInt(0);
            io.sparkgrad.ingest.image.Labels.check(label, "frame", "partition " + p + ", row " + n);
            int off = block.next();
            float[] x = block.features();
            if (bytes) {
                byte[] img = r.getBinary(1);
                checkLength(img.length, pixels, p, n, rows, cols);
                for (int k = 0; k < pixels; k++) {
                    x[off + k] = table[img[k] & 0xFF];
                }
            } else {
                ArrayData a = r.getArray(1);
                checkLength(a.numElements(), pixels, p, n, rows, cols);
                for (int k = 0; k < pixels; k++) {
                    x[off + k] = a.getFloat(k);
                }
            }
            block.add(label);
        }
        return block.build();
    }

    private static void checkLength(int len, int pixels, int p, int n, int rows, int cols) throws BadInputException {
        if (len != pixels) {
            throw new BadInputException("frame", "partition " + p + ", row " + n, "image of " + len + " values, expected "
                    + pixels + " (" + rows + "x" + cols + ")");
        }
    }
}
