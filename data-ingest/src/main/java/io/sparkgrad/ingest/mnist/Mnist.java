package io.sparkgrad.ingest.mnist;

import io.sparkgrad.ingest.block.SampleBlock;
import java.io.FileNotFoundException;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * MNIST in a folder on any Hadoop file system, read into plain arrays for local use.
 *
 * <p>The folder holds the four standard files, each under its raw name ({@code train-images-idx3-ubyte}) or
 * with {@code .gz} (compression is recognised from the bytes either way). Image files must be
 * {@code UNSIGNED_BYTE [n, 28, 28]}, label files {@code UNSIGNED_BYTE [n]} with labels 0-9 and the same n.
 *
 * <pre>{@code
 * Mnist mnist = Mnist.fromCache();                                  // ~/.cache/sparkgrad/mnist, checksums verified
 * MnistSplit train = mnist.load(MnistSubset.TUTORIAL_TRAIN, PixelScaling.DIV_256);   // 50,000 images
 * MnistSplit valid = mnist.load(MnistSubset.TUTORIAL_VALID, PixelScaling.DIV_256);   // 10,000 images
 * }</pre>
 */
public final class Mnist {


    private final Path dir;
    private final Configuration conf;

    private Mnist(Path dir, Configuration conf) {
        this.dir = dir;
        this.conf = conf;
    }

    /** MNIST in {@code dir} (any Hadoop file system path: {@code file:}, {@code hdfs:}, {@code s3a:}). */
    public static Mnist in(Path dir, Configuration conf) {
        return new Mnist(dir, conf);
    }

    /** MNIST in a local folder. */
    public static Mnist in(java.nio.file.Path localDir) {
        return new Mnist(new Path(localDir.toAbsolutePath().toUri()), new Configuration());
    }

    /**
     * MNIST in the cache folder ({@link MnistCache#defaultDir()}), after checking the four files' SHA-256. Fetches
     * nothing: when files are missing, the exception says which and how to provide them.
     */
    public static Mnist fromCache() throws IOException {
        return in(MnistCache.ensure(MnistCache.defaultDir(), false, s -> { }));
    }

    /** Like {@link #fromCache()}, but downloads what is missing first ({@link MnistCache#ensure()}). */
    public static Mnist download() throws IOException {
        return in(MnistCache.ensure());
    }

    /** The folder. */
    public Path dir() {
        return dir;
    }

    /** The path of {@code file} in the folder: its raw name if present, else its {@code .gz} name. */
    public Path path(MnistFile file) throws IOException {
        FileSystem fs = dir.getFileSystem(conf);
        Path raw = new Path(dir, file.fileName());
        if (fs.exists(raw)) {
            return raw;
        }
        Path gz = new Path(dir, file.gzipName());
        if (fs.exists(gz)) {
            return gz;
        }
        throw new FileNotFoundException(dir + ": has neither " + file.fileName() + " nor " + file.gzipName() + ". "
                + MnistCache.howToProvide(MnistCache.defaultDir()));
    }

    /** Opens the image and label files of {@code subset}, checked (28x28) and positioned on its range. */
    public MnistIdxReader open(MnistSubset subset) throws IOException {
        MnistIdxReader r = MnistIdxReader.open(path(subset.images()), path(subset.labels()), conf);
        try {
            r.requireShape(MnistSplit.ROWS, MnistSplit.COLS);
            return r.range(subset.first(), subset.countIn(r.records()));
        } catch (IOException | RuntimeException e) {
            r.close();
            throw e;
        }
    }

    /** Loads {@code subset} with pixels scaled by {@code scaling}. */
    public MnistSplit load(MnistSubset subset, PixelScaling scaling) throws IOException {
        try (MnistIdxReader r = open(subset)) {
            return read(r, (int) r.count(), scaling);
        }
    }

    /**
     * Loads {@code count} records from record {@code first} of the training files ({@code test == false}) or
     * the test files, with pixels scaled by {@code scaling}.
     */
    public MnistSplit load(boolean test, int first, int count, PixelScaling scaling) throws IOException {
        MnistSubset all = test ? MnistSubset.TEST : MnistSubset.TRAIN;
        try (MnistIdxReader r = open(all)) {
            r.range(first, count);
            return read(r, count, scaling);
        }
    }

    /** All 60,000 training images (the official training split). */
    public MnistSplit train(PixelScaling scaling) throws IOException {
        return load(MnistSubset.TRAIN, scaling);
    }

    /** All 10,000 test images (the official test split). */
    public MnistSplit test(PixelScaling scaling) throws IOException {
        return load(MnistSubset.TEST, scaling);
    }

    /** The tutorial's training part: training images 0-49,999. */
    public MnistSplit tutorialTrain(PixelScaling scaling) throws IOException {
        return load(MnistSubset.TUTORIAL_TRAIN, scaling);
    }

    /** The tutorial's validation part: training images 50,000-59,999. */
    public MnistSplit tutorialValid(PixelScaling scaling) throws IOException {
        return load(MnistSubset.TUTORIAL_VALID, scaling);
    }

    /** Reads the next {@code count} records of {@code r} into a new split (see {@link MnistIdxReader#readBlock}). */
    static MnistSplit read(MnistIdxReader r, int count, PixelScaling scaling) throws IOException {
        SampleBlock b = r.readBlock(0, count, scaling.table());
        return new MnistSplit(b.features(), b.labels(), count);
    }
}
