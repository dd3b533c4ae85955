package io.sparkgrad.job;

import io.sparkgrad.conf.DataConfig;
import io.sparkgrad.ingest.mnist.MnistFile;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Where a data set named in the configuration ({@code data.train}, {@code data.test}, the CLI's {@code --data})
 * is, and in which format. Any Hadoop path works ({@code file:}, {@code hdfs:}, {@code s3a:} or a plain local
 * path):
 * <ul>
 *   <li>{@code mnist}: MNIST from the local download cache (fetched on first use);</li>
 *   <li>a folder holding the standard MNIST files ({@code train-images-idx3-ubyte}, {@code t10k-...}, raw or
 *       {@code .gz}): the training or the test files, by the set's role;</li>
 *   <li>a folder of Parquet part files or one {@code .parquet} file (columns {@code label}, {@code image});</li>
 *   <li>a folder of CSV files or one {@code .csv} / {@code .csv.gz} file ({@code label,pixel0,...});</li>
 *   <li>any other file: an IDX image file, its labels next to it under the same name with {@code images} and
 *       {@code idx3} replaced by {@code labels} and {@code idx1} ({@code my-images-idx3-ubyte.gz} has
 *       {@code my-labels-idx1-ubyte.gz}); without that file the images are unlabelled (only {@code predict}
 *       takes them).</li>
 * </ul>
 *
 * @param kind   the format
 * @param path   the file or folder as given ({@value DataConfig#MNIST} for the cache)
 * @param labels for {@link Kind#IDX}: the label file, or null for unlabelled images
 */
public record DataLocation(Kind kind, String path, String labels) {

    /** The formats. */
    public enum Kind {
        /** MNIST from the local download cache. */
        MNIST_CACHE,
        /** A folder with the standard MNIST file names. */
        MNIST_FOLDER,
        /** An IDX image file, with or without its label file. */
        IDX,
        /** Parquet in the data-ingest layout. */
        PARQUET,
        /** MNIST CSV. */
        CSV
    }

    /** Whether the samples carry labels (only an IDX image file without its label file does not). */
    public boolean labelled() {
        return kind != Kind.IDX || labels != null;
    }

    /**
     * The location {@code spec} names, after looking at the file system.
     *
     * @param key the configuration key or option that named it, for messages
     * @throws FileNotFoundException when the path does not exist, or a folder holds nothing Sparkgrad reads
     */
    public static DataLocation resolve(String spec, String key, Configuration conf) throws IOException {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException(key + ": no data set given (mnist, or a path to MNIST IDX files, Parquet or CSV)");
        }
        if (DataConfig.isMnist(spec)) {
            return new DataLocation(Kind.MNIST_CACHE, spec, null);
        }
        Path p = new Path(spec);
        FileSystem fs = p.getFileSystem(conf);
        if (!fs.exists(p)) {
            throw new FileNotFoundException(key + ": " + spec + " does not exist (expected mnist, a folder with the MNIST "
                    + "IDX files, Parquet or CSV files, or an IDX image file)");
        }
        if (fs.getFileStatus(p).isDirectory()) {
            return folder(spec, key, p, fs);
        }
        String name = p.getName().toLowerCase(Locale.ROOT);
        if (name.endsWith(".parquet")) {
            return new DataLocation(Kind.PARQUET, spec, null);
        }
        if (name.endsWith(".csv") || name.endsWith(".csv.gz")) {
            return new DataLocation(Kind.CSV, spec, null);
        }
        Path labels = new Path(p.getParent(), labelFileName(p.getName()));
        boolean hasLabels = !labels.getName().equals(p.getName()) && fs.exists(labels);
        return new DataLocation(Kind.IDX, spec, hasLabels ? labels.toString() : null);
    }

    /** The label file's name for an IDX image file's name ({@code images} to {@code labels}, {@code idx3} to {@code idx1}). */
    static String labelFileName(String imageFileName) {
        return imageFileName.replace("images", "labels").replace("idx3", "idx1");
    }

    private static DataLocation folder(String spec, String key, Path dir, FileSystem fs) throws IOException {
        for (MnistFile f : new MnistFile[] {MnistFile.TRAIN_IMAGES, MnistFile.TEST_IMAGES}) {
            if (fs.exists(new Path(dir, f.fileName())) || fs.exists(new Path(dir, f.gzipName()))) {
                return new DataLocation(Kind.MNIST_FOLDER, spec, null);
            }
        }
        boolean parquet = false;
        boolean csv = false;
        for (FileStatus s : fs.listStatus(dir)) {
            String n = s.getPath().getName().toLowerCase(Locale.ROOT);
            parquet |= s.isFile() && n.endsWith(".parquet");
            csv |= s.isFile() && (n.endsWith(".csv") || n.endsWith(".csv.gz"));
        }
        if (parquet) {
            return new DataLocation(Kind.PARQUET, spec, null);
        }
        if (csv) {
            return new DataLocation(Kind.CSV, spec, null);
        }
        throw new FileNotFoundException(key + ": the folder " + spec + " holds neither the MNIST IDX files ("
                + MnistFile.TRAIN_IMAGES.fileName() + ", " + MnistFile.TEST_IMAGES.fileName() + ", ...) nor .parquet nor .csv files");
    }
}
