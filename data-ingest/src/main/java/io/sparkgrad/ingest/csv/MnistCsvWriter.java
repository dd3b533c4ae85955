package io.sparkgrad.ingest.csv;

import io.sparkgrad.ingest.image.LabeledImageWriter;
import io.sparkgrad.ingest.image.Labels;
import io.sparkgrad.ingest.io.HadoopFiles;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Writes the MNIST CSV layout {@code label,pixel0,...,pixelN-1} (integers), optionally with that header line and
 * gzip-compressed, to any Hadoop file system. {@link #abort()} deletes the partial file.
 */
public final class MnistCsvWriter implements LabeledImageWriter {

    private final Path path;
    private final Configuration conf;
    private final int pixels;
    private final Writer out;
    private final StringBuilder sb = new StringBuilder(1 << 16);
    private long written;

    private MnistCsvWriter(Path path, Configuration conf, int pixels, boolean header, boolean gzip) throws IOException {
        this.path = path;
        this.conf = conf;
        this.pixels = pixels;
        this.out = new BufferedWriter(new OutputStreamWriter(HadoopFiles.create(path, conf, gzip), StandardCharsets.US_ASCII), 1 << 16);
        if (header) {
            out.write(headerLine(pixels));
            out.write('\n');
        }
    }

    /** Creates (or overwrites) {@code path} for images of {@code pixels} pixels. */
    public static MnistCsvWriter create(Path path, Configuration conf, int pixels, boolean header, boolean gzip) throws IOException {
        return new MnistCsvWriter(path, conf, pixels, header, gzip);
    }

    /** The header line {@code label,pixel0,...,pixel<pixels-1>} (no newline). */
    public static String headerLine(int pixels) {
        StringBuilder h = new StringBuilder("label");
        for (int i = 0; i < pixels; i++) {
            h.append(",pixel").append(i);
        }
        return h.toString();
    }

    /** Appends one image as a CSV line (no newline) to {@code sb}. */
    public static void appendRow(StringBuilder sb, int label, byte[] px, int off, int pixels) {
        sb.append(label);
        for (int p = 0; p < pixels; p++) {
            sb.append(',').append(px[off + p] & 0xFF);
        }
    }

    @Override
    public void write(byte[] px, int[] labels, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            Labels.check(labels[i], path.toString(), "row " + (written + i + 1) + " being written");
            sb.setLength(0);
            appendRow(sb, labels[i], px, i * pixels, pixels);
            sb.append('\n');
            out.append(sb);
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
