package io.sparkgrad.ingest.mnist;

import io.sparkgrad.ingest.idx.IdxHeader;
import io.sparkgrad.ingest.idx.IdxType;
import io.sparkgrad.ingest.idx.IdxWriter;
import io.sparkgrad.ingest.image.LabeledImageWriter;
import io.sparkgrad.ingest.image.Labels;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Writes an MNIST-layout pair of IDX files (images {@code UNSIGNED_BYTE [count, rows, cols]}, labels
 * {@code UNSIGNED_BYTE [count]}). The count goes in the headers, so it is given up front; closing with fewer
 * records, or aborting, deletes both files.
 */
public final class MnistIdxWriter implements LabeledImageWriter {

    private final IdxWriter images;
    private final IdxWriter labels;
    private final int pixels;
    private final String labelsPath;
    private long written;

    private MnistIdxWriter(IdxWriter images, IdxWriter labels, int pixels, String labelsPath) {
        this.images = images;
        this.labelsPath = labelsPath;
        this.labels = labels;
        this.pixels = pixels;
    }

    /** Creates (or overwrites) the pair for {@code count} images of {@code rows x cols}; gzip when {@code gzip}. */
    public static MnistIdxWriter create(Path images, Path labels, Configuration conf, long count, int rows, int cols,
            boolean gzip) throws IOException {
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(images + ": an IDX dimension holds at most " + Integer.MAX_VALUE + " records, not " + count);
        }
        IdxWriter img = IdxWriter.create(images, conf, new IdxHeader(IdxType.UNSIGNED_BYTE, new int[] {(int) count, rows, cols}), gzip);
        try {
            IdxWriter lab = IdxWriter.create(labels, conf, new IdxHeader(IdxType.UNSIGNED_BYTE, new int[] {(int) count}), gzip);
            return new MnistIdxWriter(img, lab, rows * cols, labels.toString());
        } catch (IOException | RuntimeException e) {
            img.abort();
            throw e;
        }
    }

    @Override
    public void write(byte[] px, int[] lb, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            Labels.check(lb[i], labelsPath, "record " + (written + i) + " being written");
        }
        images.writeBytes(px, 0, count * pixels);
        labels.writeInts(lb, 0, count);
        written += count;
    }

    @Override
    public void close() throws IOException {
        try {
            images.close();
        } catch (IOException | RuntimeException e) {
            labels.abort();
            throw e;
        }
        labels.close();
    }

    @Override
    public void abort() throws IOException {
        try {
            images.abort();
        } finally {
            labels.abort();
        }
    }

    /** Records written so far. */
    public long written() {
        return written;
    }
}
