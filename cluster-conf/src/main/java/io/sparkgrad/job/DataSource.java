package io.sparkgrad.job;

import io.sparkgrad.conf.DataConfig;
import io.sparkgrad.conf.Scaling;
import io.sparkgrad.ingest.BadInputException;
import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.ingest.idx.IdxHeader;
import io.sparkgrad.ingest.idx.IdxReader;
import io.sparkgrad.ingest.mnist.Mnist;
import io.sparkgrad.ingest.mnist.MnistCache;
import io.sparkgrad.ingest.mnist.MnistFile;
import io.sparkgrad.ingest.mnist.MnistIdxReader;
import io.sparkgrad.ingest.mnist.PixelScaling;
import io.sparkgrad.ingest.spark.MnistFrames;
import io.sparkgrad.ingest.spark.SampleBlocks;
import io.sparkgrad.ingest.spark.SerializableConfiguration;
import io.sparkgrad.trainer.data.Blocks;
import io.sparkgrad.trainer.data.FrameBlocks;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * All records of one data set in one role (training or test files), from which contiguous record ranges are cut
 * as Spark blocks. IDX data (MNIST included) is read straight by the tasks, each its own range of the files; Parquet
 * and CSV are read in file order and cut by record position, so the same range always holds the same records.
 */
public final class DataSource {

    /** Which files of an MNIST folder a set comes from. */
    public enum Role {
        /** {@code train-*}: training and validation data. */
        TRAIN,
        /** {@code t10k-*}: the test set. */
        TEST
    }

    private final SparkContext spark;
    private final DataLocation location;
    private final String description;
    private final long records;
    private final int partitions;
    private final float[] table;
    private final PixelScaling scaling;
    // IDX: the two files (labels null for unlabelled images) and the image size.
    private final String images;
    private final String labels;
    private final int rows;
    private final int cols;
    // Parquet and CSV: the blocks of every record in file order, and the samples per partition.
    private final JavaRDD<SampleBlock> all;
    private final int[] sizes;
    // A DataFrame read by data.format: one sample's shape (null for MNIST data: [1, rows, cols]).
    private final int[] shape;

    private DataSource(SparkContext spark, DataLocation location, String description, long records, int partitions,
                       PixelScaling scaling, String images, String labels, int rows, int cols, JavaRDD<SampleBlock> all,
                       int[] sizes) {
        this(spark, location, description, records, partitions, scaling, images, labels, rows, cols, all, sizes, null);
    }

    private DataSource(SparkContext spark, DataLocation location, String description, long records, int partitions,
                       PixelScaling scaling, String images, String labels, int rows, int cols, JavaRDD<SampleBlock> all,
                       int[] sizes, int[] shape) {
        this.spark = spark;
        this.shape = shape;
        this.location = location;
        this.description = description;
        this.records = records;
        this.partitions = partitions;
        this.scaling = scaling;
        this.table = scaling.table();
        this.images = images;
        this.labels = labels;
        this.rows = rows;
        this.cols = cols;
        this.all = all;
        this.sizes = sizes;
    }

    /** The pixel scaling of the configuration as data-ingest names it. */
    public static PixelScaling pixelScaling(Scaling s) {
        return switch (s) {
            case DIV255 -> PixelScaling.DIV_255;
            case DIV256 -> PixelScaling.DIV_256;
            case NORMALIZE -> PixelScaling.NORMALIZE;
        };
    }

    /**
     * Opens the data at {@code location} for {@code role}: checks the files' headers (IDX) or reads the data once to
     * count it (Parquet, CSV). MNIST from the cache is downloaded first when missing.
     *
     * @param partitions partitions of the ranges cut from IDX data (Parquet and CSV keep one per file)
     * @param log        receives download progress
     */
    public static DataSource open(JobSpark spark, DataLocation location, Role role, int partitions, PixelScaling scaling,
                                  Consumer<String> log) throws IOException {
        Configuration conf = spark.context().hadoopConfiguration();
        switch (location.kind()) {
            case MNIST_CACHE, MNIST_FOLDER -> {
                Path dir = location.kind() == DataLocation.Kind.MNIST_CACHE
                        ? new Path(MnistCache.ensure(MnistCache.defaultDir(), true, log).toUri())
                        : new Path(location.path());
                Mnist mnist = Mnist.in(dir, conf);
                MnistFile img = role == Role.TRAIN ? MnistFile.TRAIN_IMAGES : MnistFile.TEST_IMAGES;
                MnistFile lab = role == Role.TRAIN ? MnistFile.TRAIN_LABELS : MnistFile.TEST_LABELS;
                String what = (location.kind() == DataLocation.Kind.MNIST_CACHE ? "MNIST" : location.path())
                        + (role == Role.TRAIN ? " training files" : " test files");
                return idx(spark.context(), location, what, mnist.path(img).toString(), mnist.path(lab).toString(), partitions, scaling);
            }
            case IDX -> {
                return idx(spark.context(), location, location.path(), location.path(), location.labels(), partitions, scaling);
            }
            case PARQUET, CSV -> {
                JavaRDD<SampleBlock> blocks = location.kind() == DataLocation.Kind.PARQUET
                        ? SampleBlocks.fromParquet(spark.session(), location.path(), 0, scaling)
                        : SampleBlocks.fromFrame(MnistFrames.readCsv(spark.session(), location.path(), 28, 28, 0), scaling);
                int[] sizes = Blocks.sizes(blocks);
                long n = Arrays.stream(sizes).asLongStream().sum();
                return new DataSource(spark.context(), location, location.path(), n, partitions, scaling, null, null, 28, 28, blocks, sizes);
            }
            default -> throw new IllegalStateException("unknown data kind " + location.kind());
        }
    }

    /**
     * The rows of {@code frame} as a source, converted by {@code conversion} (whose sample shape is set), in the frame's
     * order; reads the frame once to count it.
     *
     * @param description where it comes from, for the console and messages
     */
    public static DataSource frame(SparkSession spark, Dataset<Row> frame, FrameBlocks conversion, int[] shape, String description,
                                   PixelScaling scaling) {
        JavaRDD<SampleBlock> blocks = conversion.featureShape(shape).toBlocks(frame, description);
        int[] sizes = Blocks.sizes(blocks);
        long n = Arrays.stream(sizes).asLongStream().sum();
        return new DataSource(spark.sparkContext(), null, description, n, sizes.length, scaling, null, null, 0, 0, blocks, sizes, shape.clone());
    }

    /**
     * The DataFrame at {@code path} ({@code data.format}), named by {@code key} in messages, as a source for
     * {@code model}: read with the model's input shape, labels checked against its classes.
     */
    public static DataSource frame(SparkSession spark, DataConfig data, String path, String key, JobModel model, PixelScaling scaling) {
        FrameReader.Frame f = FrameReader.read(spark, data, path, key, model.inputShape());
        FrameBlocks conversion = FrameBlocks.of(f.featuresCol(), f.labelCol()).byteValues(scaling.table()).numClasses(model.classes());
        return frame(spark, f.frame(), conversion, model.inputShape(), path, scaling);
    }

    private static DataSource idx(SparkContext spark, DataLocation location, String description, String images, String labels,
                                  int partitions, PixelScaling scaling) throws IOException {
        Configuration conf = spark.hadoopConfiguration();
        long n;
        int rows;
        int cols;
        if (labels != null) {
            try (MnistIdxReader r = MnistIdxReader.open(new Path(images), new Path(labels), conf)) {
                n = r.records();
                rows = r.rows();
                cols = r.cols();
            }
        } else {
            IdxHeader h = IdxReader.readHeader(new Path(images), conf);
            int[] d = h.dims();
            if (d.length != 3 || h.type().size() != 1) {
                throw new BadInputException(images, "header", "an image file holds one-byte pixels of shape [n, rows, cols], "
                        + "this one " + h);
            }
            n = d[0];
            rows = d[1];
            cols = d[2];
        }
        return new DataSource(spark, location, description, n, partitions, scaling, images, labels, rows, cols, null, null);
    }

    /** The records this source holds. */
    public long records() {
        return records;
    }

    /** Where it comes from, for the console ({@code MNIST training files}, a path). */
    public String description() {
        return description;
    }

    /** Whether its samples carry labels (a DataFrame's always do). */
    public boolean labelled() {
        return location == null || location.labelled();
    }

    /** The shape of one sample: {@code [1, rows, cols]} for images, the configured or inferred one for a DataFrame. */
    public int[] sampleShape() {
        return shape != null ? shape.clone() : new int[] {1, rows, cols};
    }

    /**
     * Records {@code first .. first + count - 1} as blocks (one per partition for IDX data); unlabelled images get
     * label -1.
     */
    public JavaRDD<SampleBlock> range(long first, long count) throws IOException {
        if (first < 0 || count < 0 || first + count > records) {
            throw new IllegalArgumentException(description + " holds " + records + " records; records " + first + " to "
                    + (first + count - 1) + " do not exist");
        }
        if (all != null) {
            return slice(all, sizes, first, count);
        }
        int parts = (int) Math.max(1, Math.min(partitions, count));
        if (labels != null) {
            return SampleBlocks.fromIdx(spark, images, labels, first, count, parts, scaling);
        }
        return unlabelled(first, count, parts);
    }

    /** Images without labels, read by the tasks like {@link SampleBlocks#fromIdx}: a contiguous range each. */
    private JavaRDD<SampleBlock> unlabelled(long first, long count, int parts) {
        SerializableConfiguration conf = new SerializableConfiguration(spark.hadoopConfiguration());
        String file = images;
        float[] t = table;
        int r = rows;
        int c = cols;
        List<Integer> seeds = IntStream.range(0, parts).boxed().toList();
        return JavaSparkContext.fromSparkContext(spark).parallelize(seeds, parts).mapPartitionsWithIndex((p, ignored) -> {
            long from = first + count * p / parts;
            int n = (int) (first + count * (p + 1) / parts - from);
            float[] x = new float[n * r * c];
            int[] y = new int[n];
            Arrays.fill(y, -1);
            try (IdxReader in = IdxReader.open(new Path(file), conf.get())) {
                in.seekRecord(from);
                in.readMapped(x, 0, n, t);
            }
            return List.of(new SampleBlock(p, x, y, new int[] {1, r, c})).iterator();
        }, true);
    }

    /** The records {@code first .. first + count - 1} of blocks in partition order, cut where the range ends. */
    static JavaRDD<SampleBlock> slice(JavaRDD<SampleBlock> blocks, int[] sizes, long first, long count) {
        long[] starts = new long[sizes.length];
        for (int p = 1; p < sizes.length; p++) {
            starts[p] = starts[p - 1] + sizes[p - 1];
        }
        long end = first + count;
        return blocks.mapPartitionsWithIndex((p, it) -> {
            List<SampleBlock> out = new ArrayList<>();
            long pos = starts[p];
            while (it.hasNext()) {
                SampleBlock b = it.next();
                long from = Math.max(first, pos);
                long to = Math.min(end, pos + b.size());
                if (from < to) {
                    int a = (int) (from - pos);
                    int z = (int) (to - pos);
                    int per = b.featureSize();
                    out.add(a == 0 && z == b.size() ? b : new SampleBlock(b.partition(),
                            Arrays.copyOfRange(b.features(), a * per, z * per), Arrays.copyOfRange(b.labels(), a, z), b.featureShape()));
                }
                pos += b.size();
            }
            return out.iterator();
        }, true);
    }
}
