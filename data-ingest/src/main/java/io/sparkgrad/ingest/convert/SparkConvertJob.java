package io.sparkgrad.ingest.convert;

import io.sparkgrad.ingest.mnist.MnistIdxReader;
import io.sparkgrad.ingest.mnist.MnistIdxWriter;
import io.sparkgrad.ingest.mnist.PixelScaling;
import io.sparkgrad.ingest.spark.MnistFrames;
import io.sparkgrad.ingest.spark.MnistFrames.ImageColumn;
import java.io.IOException;
import java.util.Iterator;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The converter as a Spark job: reads the input into a {@link MnistFrames} DataFrame in parallel and writes it
 * with Spark (CSV and Parquet outputs are folders of part files, one per partition). IDX output is one file
 * pair with the count in its headers, so it is written by the driver, streaming the rows partition by partition.
 */
public final class SparkConvertJob {

    private SparkConvertJob() {
    }

    /** Runs {@code spec} on {@code spark}; returns the number of images converted. */
    public static long run(SparkSession spark, ConvertSpec spec) throws IOException {
        // Cached so that counting and writing read the input once.
        Dataset<Row> df = read(spark, spec).cache();
        try {
            long count = df.count();
            switch (spec.to()) {
                case PARQUET -> MnistFrames.writeParquet(df, spec.out());
                case CSV -> MnistFrames.writeCsv(df, spec.out(), spec.header());
                case IDX -> writeIdx(df, count, spec, spark.sparkContext().hadoopConfiguration());
            }
            return count;
        } finally {
            df.unpersist();
        }
    }

    /** The input of {@code spec} as a {@link MnistFrames#BYTES_SCHEMA} frame. */
    public static Dataset<Row> read(SparkSession spark, ConvertSpec spec) throws IOException {
        int parts = spec.partitions() > 0 ? spec.partitions() : spark.sparkContext().defaultParallelism();
        return switch (spec.from()) {
            case IDX -> {
                long count;
                try (MnistIdxReader r = MnistIdxReader.open(new Path(spec.images()), new Path(spec.labels()),
                        spark.sparkContext().hadoopConfiguration())) {
                    count = r.records();
                }
                yield MnistFrames.fromIdx(spark, spec.images(), spec.labels(), 0, count, parts, ImageColumn.BYTES, PixelScaling.NONE);
            }
            case CSV -> MnistFrames.readCsv(spark, spec.in(), spec.rows(), spec.cols(), spec.partitions());
            case PARQUET -> MnistFrames.readParquet(spark, spec.in(), spec.partitions());
        };
    }

    private static void writeIdx(Dataset<Row> df, long count, ConvertSpec spec, Configuration conf) throws IOException {
        int pixels = spec.rows() * spec.cols();
        MnistIdxWriter w = MnistIdxWriter.create(new Path(spec.outImages()), new Path(spec.outLabels()), conf, count,
                spec.rows(), spec.cols(), spec.gzip());
        try {
            byte[] px = new byte[1024 * pixels];
            int[] lb = new int[1024];
            int n = 0;
            Iterator<Row> it = df.toLocalIterator();
            while (it.hasNext()) {
                Row r = it.next();
                byte[] img = (byte[]) r.get(1);
                if (img.length != pixels) {
                    throw new IllegalArgumentException("an image of " + img.length + " bytes does not fit the IDX shape "
                            + spec.rows() + "x" + spec.cols() + "; give --rows and --cols");
                }
                System.arraycopy(img, 0, px, n * pixels, pixels);
                lb[n++] = r.getInt(0);
                if (n == lb.length) {
                    w.write(px, lb, n);
                    n = 0;
                }
            }
            w.write(px, lb, n);
        } catch (IOException | RuntimeException e) {
            w.abort();
            throw e;
        }
        w.close();
    }
}
