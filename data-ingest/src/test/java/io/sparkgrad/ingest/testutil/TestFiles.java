package io.sparkgrad.ingest.testutil;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkgrad.ingest.mnist.Mnist;
import io.sparkgrad.ingest.mnist.MnistSplit;
import io.sparkgrad.ingest.mnist.PixelScaling;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;

/** Helpers shared by the tests: the real MNIST subset, gzip, Hadoop paths. */
public final class TestFiles {

    /** First labels of the official training set. */
    public static final int[] FIRST_TRAIN_LABELS = {5, 0, 4, 1, 9, 2, 1, 3, 1, 4};
    /** First labels of the official test set. */
    public static final int[] FIRST_TEST_LABELS = {7, 2, 1, 0, 4, 1, 4, 9, 5, 9};

    /**
     * Asserts that {@code mnist}'s official training and test splits hold {@code trainCount} and {@code testCount}
     * records and start with the official labels (the full set and its checked-in subset both do).
     *
     * @return the training split, unscaled
     */
    public static MnistSplit assertOfficialSplits(Mnist mnist, int trainCount, int testCount) throws IOException {
        MnistSplit train = mnist.train(PixelScaling.NONE);
        MnistSplit test = mnist.test(PixelScaling.NONE);
        assertEquals(trainCount, train.count());
        assertEquals(testCount, test.count());
        assertArrayEquals(FIRST_TRAIN_LABELS, Arrays.copyOf(train.labels(), 10));
        assertArrayEquals(FIRST_TEST_LABELS, Arrays.copyOf(test.labels(), 10));
        return train;
    }

    private TestFiles() {
    }

    /** The folder of the checked-in real subset (300 training, 200 test records, gzip). */
    public static Path subsetDir() {
        try {
            return Path.of(TestFiles.class.getResource("/mnist-subset").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A subset file, e.g. {@code train-images-idx3-ubyte.gz}. */
    public static Path subset(String name) {
        return subsetDir().resolve(name);
    }

    /** The decompressed bytes of a subset file. */
    public static byte[] subsetBytes(String gzName) {
        return gunzip(read(subset(gzName)));
    }

    public static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] gunzip(byte[] b) {
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(b))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] gzip(byte[] b) {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bo)) {
            out.write(b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bo.toByteArray();
    }

    public static Path write(Path p, byte[] b) {
        try {
            Files.write(p, b);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A Hadoop path for a local file. */
    public static org.apache.hadoop.fs.Path hpath(Path p) {
        return new org.apache.hadoop.fs.Path(p.toAbsolutePath().toUri());
    }

    /** A local Hadoop configuration. */
    public static Configuration conf() {
        return new Configuration();
    }
}
