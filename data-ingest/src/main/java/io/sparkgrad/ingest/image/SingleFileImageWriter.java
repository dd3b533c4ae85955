package io.sparkgrad.ingest.image;

import io.sparkgrad.ingest.io.HadoopFiles;
import java.io.Closeable;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * A {@link LabeledImageWriter} to one file (CSV, Parquet): checks each label before its row is written, numbering
 * the rows in messages as the format's reader does, and deletes the partial file on {@link #abort()}. Subclasses
 * only encode a row.
 */
public abstract class SingleFileImageWriter implements LabeledImageWriter {

    private final Path path;
    private final Configuration conf;
    private final int pixels;
    private final long firstRow;
    private final Closeable out;
    private long written;

    /**
     * @param pixels   pixels per image
     * @param firstRow the number messages give the first row (0 or 1, as the format's reader counts)
     * @param out      the open output, closed by {@link #close()} and discarded by {@link #abort()}
     */
    protected SingleFileImageWriter(Path path, Configuration conf, int pixels, long firstRow, Closeable out) {
        this.path = path;
        this.conf = conf;
        this.pixels = pixels;
        this.firstRow = firstRow;
        this.out = out;
    }

    /** Writes one image: its label and {@code pixels} bytes of {@code px} from {@code off}. */
    protected abstract void writeRow(int label, byte[] px, int off) throws IOException;

    /** Pixels per image. */
    protected final int pixels() {
        return pixels;
    }

    @Override
    public final void write(byte[] px, int[] labels, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            Labels.check(labels[i], path.toString(), "row " + (firstRow + written + i) + " being written");
            writeRow(labels[i], px, i * pixels);
        }
        written += count;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    @Override
    public void abort() throws IOException {
        HadoopFiles.discard(out, path, conf);
    }
}
