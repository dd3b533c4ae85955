package io.sparkgrad.ingest.spark;

import io.sparkgrad.ingest.BadInputException;
import io.sparkgrad.ingest.csv.MnistCsvReader;
import io.sparkgrad.ingest.csv.MnistCsvWriter;
import io.sparkgrad.ingest.image.LabeledImageReader;
import io.sparkgrad.ingest.mnist.Mnist;
import io.sparkgrad.ingest.mnist.MnistIdxReader;
import io.sparkgrad.ingest.mnist.MnistSubset;
import io.sparkgrad.ingest.mnist.PixelScaling;
import io.sparkgrad.ingest.parquet.MnistParquet;
import io.sparkgrad.ingest.parquet.MnistParquetReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * MNIST-shaped data as Spark DataFrames.
 *
 * <p><b>Schema.</b> Two layouts, told apart by the type of {@code image}:
 * <ul>
 *   <li>{@link #BYTES_SCHEMA}: {@code label INT NOT NULL, image BINARY NOT NULL}, the image as its
 *       {@code rows * cols} raw pixel bytes (0-255, row-major; 784 for MNIST). Compact (1 byte a pixel) and the
 *       layout of the Parquet files here; scaling happens when blocks are made.</li>
 *   <li>{@link #FLOATS_SCHEMA}: {@code label INT NOT NULL, image ARRAY<FLOAT NOT NULL> NOT NULL}, the pixels
 *       already scaled (a {@link PixelScaling}); 4 bytes a pixel.</li>
 * </ul>
 * Labels are 0-9. Frames from IDX, CSV and binary Parquet keep the files' row order: partition 0 holds the
 * first records.
 *
 * <p><b>Partitions.</b> Frames made from IDX files have exactly the partitions asked for, each a contiguous,
 * balanced range of records read by its own task straight from the file system (the driver reads no data).
 * Frames read from Parquet or CSV are repartitioned to the number asked for (0 keeps the files' partitioning).
 */
public final class MnistFrames {

    /** {@code label INT NOT NULL, image BINARY NOT NULL} (raw pixel bytes). */
    public static final StructType BYTES_SCHEMA = new StructType()
            .add(MnistParquet.LABEL, DataTypes.IntegerType, false)
            .add(MnistParquet.IMAGE, DataTypes.BinaryType, false);

    /** {@code label INT NOT NULL, image ARRAY<FLOAT NOT NULL> NOT NULL} (scaled pixels). */
    public static final StructType FLOATS_SCHEMA = new StructType()
            .add(MnistParquet.LABEL, DataTypes.IntegerType, false)
            .add(MnistParquet.IMAGE, DataTypes.createArrayType(DataTypes.FloatType, false), false);

    /** How the {@code image} column holds the pixels. */
    public enum ImageColumn {
        /** Raw bytes ({@link #BYTES_SCHEMA}). */
        BYTES,
        /** Scaled floats ({@link #FLOATS_SCHEMA}). */
        FLOATS
    }

    private static final int CHUNK = 256;

    private MnistFrames() {
    }

    /**
     * A part of MNIST from the folder {@code mnistDir} (any Hadoop path holding the four standard files, raw or
     * {@code .gz}) as a DataFrame of {@code partitions} partitions.
     *
     * @param scaling the pixel scaling for {@link ImageColumn#FLOATS}; ignored for {@link ImageColumn#BYTES}
     */
    public static Dataset<Row> load(SparkSession spark, String mnistDir, MnistSubset subset, int partitions,
            ImageColumn column, PixelScaling scaling) throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Mnist mnist = Mnist.in(new Path(mnistDir), conf);
        Path images = mnist.path(subset.images());
        Path labels = mnist.path(subset.labels());
        long records;
        try (MnistIdxReader r = mnist.open(subset)) {
            records = r.count();
        }
        return fromIdx(spark, images.toString(), labels.toString(), subset.first(), records, partitions, column, scaling);
    }

    /**
     * Records {@code first .. first + count - 1} of an MNIST-layout IDX pair as a DataFrame of {@code partitions}
     * contiguous partitions. The driver checks the headers; each task reads its own range.
     */
    public static Dataset<Row> fromIdx(SparkSession spark, String images, String labels, long first, long count,
            int partitions, ImageColumn column, PixelScaling scaling) throws IOException {
        requirePartitions(partitions);
        SerializableConfiguration conf = new SerializableConfiguration(spark.sparkContext().hadoopConfiguration());
        try (MnistIdxReader r = MnistIdxReader.open(new Path(images), new Path(labels), conf.get())) {
            r.range(first, count); // checks the headers and the range on the driver
        }
        float[] table = scaling.table();
        JavaRDD<Row> rows = partitionSeeds(spark, partitions).mapPartitionsWithIndex((p, ignored) -> {
            RecordRange range = RecordRange.share(first, count, p, partitions);
            MnistIdxReader r = MnistIdxReader.open(new Path(images), new Path(labels), conf.get()).range(range.first(), range.count());
            closeWhenTaskEnds(r);
            return new ChunkedRowIterator(r, column, table);
        }, true);
        return spark.createDataFrame(rows, column == ImageColumn.BYTES ? BYTES_SCHEMA : FLOATS_SCHEMA);
    }

    /** {@link #readParquet(SparkSession, String, int, int, int)} for 28x28 images. */
    public static Dataset<Row> readParquet(SparkSession spark, String path, int partitions) throws IOException {
        return readParquet(spark, path, partitions, 28, 28);
    }

    /**
     * Reads Parquet in the {@link #BYTES_SCHEMA} or {@link #FLOATS_SCHEMA} layout: a file, or a folder of part
     * files as {@link #writeParquet} leaves it.
     *
     * <p>Binary images are read one task per part file, in the part files' name order, each file's rows in
     * their order, so a frame written and read back keeps its row order (Spark's own Parquet scan packs files
     * largest first). Errors name the file and row. Float images go through Spark's Parquet scan. The result
     * is repartitioned to {@code partitions} when that is positive and differs (which does not keep the order).
     *
     * @param rows image height for files that do not record it (Spark-written ones)
     * @param cols image width, likewise
     */
    public static Dataset<Row> readParquet(SparkSession spark, String path, int partitions, int rows, int cols) throws IOException {
        Configuration hconf = spark.sparkContext().hadoopConfiguration();
        List<org.apache.hadoop.fs.Path> files = MnistParquetReader.partFiles(new Path(path), hconf);
        Dataset<Row> out;
        if (MnistParquetReader.hasBinaryImages(files.get(0), hconf)) {
            List<String> names = files.stream().map(Path::toString).toList();
            out = perFile(spark, names, (file, conf) -> MnistParquetReader.open(file, conf, rows, cols));
        } else {
            Dataset<Row> df = spark.read().parquet(path);
            imageType(df, path);
            out = df.select(MnistParquet.LABEL, MnistParquet.IMAGE);
        }
        return partitions > 0 && out.rdd().getNumPartitions() != partitions ? out.repartition(partitions) : out;
    }

    /**
     * Reads MNIST CSV ({@code label,pixel0,...}, with or without header, see {@link MnistCsvReader}) into a
     * {@link #BYTES_SCHEMA} frame: {@code path} is a file or a folder of CSV files (one task per file, so errors
     * name the file and line), repartitioned to {@code partitions} (0: one partition per file).
     */
    public static Dataset<Row> readCsv(SparkSession spark, String path, int rows, int cols, int partitions) throws IOException {
        Configuration hconf = spark.sparkContext().hadoopConfiguration();
        List<String> files = csvFiles(new Path(path), hconf);
        Dataset<Row> df = perFile(spark, files, (file, conf) -> MnistCsvReader.open(file, conf, rows, cols));
        return partitions > 0 && partitions != files.size() ? df.repartition(partitions) : df;
    }

    /** Opens one file's reader on an executor. */
    private interface ReaderOpener extends java.io.Serializable {
        LabeledImageReader open(Path file, Configuration conf) throws IOException;
    }

    /**
     * A {@link #BYTES_SCHEMA} frame of {@code files}, one task per file in the given order, each file read in its
     * order by the reader {@code opener} opens (so errors name the file and its row or line).
     */
    private static Dataset<Row> perFile(SparkSession spark, List<String> files, ReaderOpener opener) {
        SerializableConfiguration conf = new SerializableConfiguration(spark.sparkContext().hadoopConfiguration());
        JavaRDD<Row> rdd = JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(files, files.size())
                .mapPartitions(it -> {
                    // parallelize(files, files.size()) puts exactly one file in each partition.
                    LabeledImageReader r = opener.open(new Path(it.next()), conf.get());
                    closeWhenTaskEnds(r);
                    return new ChunkedRowIterator(r);
                });
        return spark.createDataFrame(rdd, BYTES_SCHEMA);
    }

    /** Writes {@code df} as Parquet to {@code path} (a folder of part files), replacing what is there. */
    public static void writeParquet(Dataset<Row> df, String path) throws BadInputException {
        imageType(df, "the frame to write");
        df.select(MnistParquet.LABEL, MnistParquet.IMAGE).write().mode(SaveMode.Overwrite).parquet(path);
    }

    /**
     * Writes a {@link #BYTES_SCHEMA} frame as MNIST CSV to {@code path} (a folder with one CSV part file per
     * partition, each with the header line when {@code header}), replacing what is there.
     */
    public static void writeCsv(Dataset<Row> df, String path, boolean header) throws BadInputException {
        if (!(imageType(df, "the frame to write") instanceof org.apache.spark.sql.types.BinaryType)) {
            throw new BadInputException("the frame to write", "schema", "CSV holds raw pixel bytes; the image column is "
                    + df.schema().apply(MnistParquet.IMAGE).dataType().simpleString() + ", not binary");
        }
        Dataset<String> lines = df.select(MnistParquet.LABEL, MnistParquet.IMAGE).mapPartitions(
                (org.apache.spark.api.java.function.MapPartitionsFunction<Row, String>) it -> {
                    List<String> out = new ArrayList<>();
                    StringBuilder sb = new StringBuilder(4096);
                    while (it.hasNext()) {
                        Row r = it.next();
                        byte[] px = (byte[]) r.get(1);
                        if (header && out.isEmpty()) {
                            out.add(MnistCsvWriter.headerLine(px.length));
                        }
                        sb.setLength(0);
                        MnistCsvWriter.appendRow(sb, r.getInt(0), px, 0, px.length);
                        out.add(sb.toString());
                    }
                    return out.iterator();
                }, Encoders.STRING());
        lines.write().mode(SaveMode.Overwrite).text(path);
    }

    /** The type of {@code df}'s image column, after checking that {@code df} has one of the two layouts. */
    static DataType imageType(Dataset<Row> df, String what) throws BadInputException {
        StructType s = df.schema();
        List<String> names = List.of(s.fieldNames());
        if (!names.contains(MnistParquet.LABEL) || !names.contains(MnistParquet.IMAGE)) {
            throw new BadInputException(what, "schema", "needs columns 'label' and 'image', but has " + s.simpleString());
        }
        StructField label = s.apply(MnistParquet.LABEL);
        DataType image = s.apply(MnistParquet.IMAGE).dataType();
        boolean floats = image instanceof ArrayType a && a.elementType() == DataTypes.FloatType;
        if (label.dataType() != DataTypes.IntegerType || !(image == DataTypes.BinaryType || floats)) {
            throw new BadInputException(what, "schema", "needs label INT and image BINARY or ARRAY<FLOAT>, but has " + s.simpleString());
        }
        return image;
    }

    /** One element per partition, so that partition p's task knows it is p and reads its own share. */
    static JavaRDD<Integer> partitionSeeds(SparkSession spark, int partitions) {
        return partitionSeeds(spark.sparkContext(), partitions);
    }

    static JavaRDD<Integer> partitionSeeds(SparkContext spark, int partitions) {
        List<Integer> seeds = IntStream.range(0, partitions).boxed().toList();
        return JavaSparkContext.fromSparkContext(spark).parallelize(seeds, partitions);
    }

    static void requirePartitions(int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, not " + partitions);
        }
    }

    /** Closes {@code c} when the running task ends, whether the iterator was drained or the task failed. */
    static void closeWhenTaskEnds(java.io.Closeable c) {
        TaskContext tc = TaskContext.get();
        if (tc != null) {
            tc.addTaskCompletionListener(ctx -> {
                try {
                    c.close();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    private static List<String> csvFiles(Path path, Configuration conf) throws IOException {
        FileSystem fs = path.getFileSystem(conf);
        FileStatus st = fs.getFileStatus(path);
        if (st.isFile()) {
            return List.of(path.toString());
        }
        List<String> out = new ArrayList<>();
        for (FileStatus f : fs.listStatus(path)) {
            String n = f.getPath().getName();
            if (f.isFile() && f.getLen() > 0 && !n.startsWith("_") && !n.startsWith(".")) {
                out.add(f.getPath().toString());
            }
        }
        if (out.isEmpty()) {
            throw new BadInputException(path.toString(), null, "a folder with no CSV files");
        }
        out.sort(null);
        return out;
    }

    /**
     * Rows read a chunk at a time with a {@link LabeledImageReader}: a partition's IDX range or one file. The image
     * column holds the pixels as bytes, or as floats through {@code table} (the scaling of the 256 byte values).
     */
    private static final class ChunkedRowIterator implements Iterator<Row> {
        private final LabeledImageReader r;
        private final int pixels;
        private final ImageColumn column;
        private final float[] table;
        private final byte[] px;
        private final int[] lb = new int[CHUNK];
        private int n;
        private int i;

        ChunkedRowIterator(LabeledImageReader r, ImageColumn column, float[] table) {
            this.r = r;
            this.pixels = r.pixels();
            this.column = column;
            this.table = table;
            this.px = new byte[CHUNK * pixels];
        }

        /** Rows with the pixels as bytes. */
        ChunkedRowIterator(LabeledImageReader r) {
            this(r, ImageColumn.BYTES, null);
        }

        @Override
        public boolean hasNext() {
            if (i < n) {
                return true;
            }
            try {
                n = r.read(px, lb, CHUNK);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            i = 0;
            return n > 0;
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            int off = i * pixels;
            Object image;
            if (column == ImageColumn.BYTES) {
                image = java.util.Arrays.copyOfRange(px, off, off + pixels);
            } else {
                float[] f = new float[pixels];
                for (int k = 0; k < pixels; k++) {
                    f[k] = table[px[off + k] & 0xFF];
                }
                image = f;
            }
            return RowFactory.create(lb[i++], image);
        }
    }
}
