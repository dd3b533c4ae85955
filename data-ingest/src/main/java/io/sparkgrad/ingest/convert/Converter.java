package io.sparkgrad.ingest.convert;

import io.sparkgrad.ingest.csv.MnistCsvReader;
import io.sparkgrad.ingest.csv.MnistCsvWriter;
import io.sparkgrad.ingest.image.LabeledImageReader;
import io.sparkgrad.ingest.image.LabeledImageWriter;
import io.sparkgrad.ingest.mnist.MnistIdxReader;
import io.sparkgrad.ingest.mnist.MnistIdxWriter;
import io.sparkgrad.ingest.parquet.MnistParquetReader;
import io.sparkgrad.ingest.parquet.MnistParquetWriter;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Converts between IDX, CSV and Parquet in one process, streaming a chunk of images at a time (any Hadoop file
 * system on either side). If anything fails, the partial output is deleted.
 */
public final class Converter {

    private static final int CHUNK = 1024;

    private Converter() {
    }

    /** Runs {@code spec}; returns the number of images converted. */
    public static long convert(ConvertSpec spec, Configuration conf) throws IOException {
        try (LabeledImageReader in = open(spec, conf)) {
            LabeledImageWriter out = create(spec, conf, in);
            long n;
            try {
                n = copy(in, out);
            } catch (IOException | RuntimeException e) {
                out.abort();
                throw e;
            }
            out.close();
            return n;
        }
    }

    /** The reader for {@code spec}'s input. */
    public static LabeledImageReader open(ConvertSpec spec, Configuration conf) throws IOException {
        return switch (spec.from()) {
            case IDX -> MnistIdxReader.open(new Path(spec.images()), new Path(spec.labels()), conf);
            case CSV -> MnistCsvReader.open(new Path(spec.in()), conf, spec.rows(), spec.cols());
            case PARQUET -> MnistParquetReader.open(new Path(spec.in()), conf, spec.rows(), spec.cols());
        };
    }

    private static LabeledImageWriter create(ConvertSpec spec, Configuration conf, LabeledImageReader in) throws IOException {
        return switch (spec.to()) {
            case IDX -> MnistIdxWriter.create(new Path(spec.outImages()), new Path(spec.outLabels()), conf, in.count(),
                    in.rows(), in.cols(), spec.gzip());
            case CSV -> MnistCsvWriter.create(new Path(spec.out()), conf, in.pixels(), spec.header(), spec.gzip());
            case PARQUET -> MnistParquetWriter.create(new Path(spec.out()), conf, in.rows(), in.cols());
        };
    }

    /** Copies all images from {@code in} to {@code out} in chunks; returns how many. */
    public static long copy(LabeledImageReader in, LabeledImageWriter out) throws IOException {
        byte[] px = new byte[CHUNK * in.pixels()];
        int[] lb = new int[CHUNK];
        long total = 0;
        int n;
        while ((n = in.read(px, lb, CHUNK)) > 0) {
            out.write(px, lb, n);
            total += n;
        }
        return total;
    }
}
