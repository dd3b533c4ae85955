package io.sparkgrad.ingest.csv;

import io.sparkgrad.ingest.image.SingleFileImageWriter;
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
public final class MnistCsvWriter extends SingleFileImageWriter {

    private final Writer out;
    private final StringBuilder sb = new StringBuilder(1 << 16);

    private MnistCsvWriter(Path path, Configuration conf, int pixels, Writer out) {
        // Rows are numbered from 1 in messages, as a CSV reader counts them.
        super(path, conf, pixels, 1, out);
        this.out = out;
    }

    /** Creates (or overwrites) {@code path} for images of {@code pixels} pixels. */
    public static MnistCsvWriter create(Path path, Configuration conf, int pixels, boolean header, boolean gzip) throws IOException {
        Writer out = new BufferedWriter(new OutputStreamWriter(HadoopFiles.create(path, conf, gzip), StandardCharsets.US_ASCII), 1 << 16);
        if (header) {
            out.write(headerLine(pixels));
            out.write('\n');
        }
        return new MnistCsvWriter(path, conf, pixels, out);
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
    protected void writeRow(int label, byte[] px, int off) throws IOException {
        sb.setLength(0);
        appendRow(sb, label, px, off, pixels());
        sb.append('\n');
        out.append(sb);
    }
}
