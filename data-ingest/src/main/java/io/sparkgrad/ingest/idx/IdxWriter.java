package io.sparkgrad.ingest.idx;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Writes an IDX file to any Hadoop {@link FileSystem}, raw or gzip-compressed, streaming the elements through a
 * small buffer. The header (type and all dimensions) is written first, so the record count must be known up
 * front; {@link #close()} checks that exactly that many elements were written and, if not, deletes the file
 * rather than leave a half-written one behind.
 *
 * <p>Values given in another Java type are converted to the file's element type; an integral file refuses a
 * value that is not an integer in its range (with the element's index in the message).
 */
public final class IdxWriter implements Closeable {

    private static final int CHUNK = 1 << 16;

    private final FileSystem fs;
    private final Path path;
    private final IdxHeader header;
    private final FSDataOutputStream raw;
    private final OutputStream out;
    private final long expectedElements;
    private final ByteBuffer bb = ByteBuffer.allocate(CHUNK).order(ByteOrder.BIG_ENDIAN);
    private long written;
    private boolean closed;

    private IdxWriter(FileSystem fs, Path path, IdxHeader header, boolean gzip) throws IOException {
        this.fs = fs;
        this.path = path;
        this.header = header;
        this.expectedElements = header.records() * header.recordElements();
        this.raw = fs.create(path, true, CHUNK);
        this.out = gzip ? new GZIPOutputStream(raw, CHUNK) : raw;
        ByteBuffer h = ByteBuffer.allocate(header.headerBytes()).order(ByteOrder.BIG_ENDIAN);
        h.putInt(header.magic());
        for (int d : header.dims()) {
            h.putInt(d);
        }
        out.write(h.array());
    }

    /** Creates (or overwrites) {@code path}, gzip-compressed when {@code gzip}. */
    public static IdxWriter create(Path path, Configuration conf, IdxHeader header, boolean gzip) throws IOException {
        return new IdxWriter(path.getFileSystem(conf), path, header, gzip);
    }

    /** Creates (or overwrites) {@code path} on {@code fs}, gzip-compressed when {@code gzip}. */
    public static IdxWriter create(FileSystem fs, Path path, IdxHeader header, boolean gzip) throws IOException {
        return new IdxWriter(fs, path, header, gzip);
    }

    /** The header being written. */
    public IdxHeader header() {
        return header;
    }

    /** Writes raw element bytes, big-endian as in the file; {@code len} must be a whole number of elements. */
    public void writeBytes(byte[] src, int off, int len) throws IOException {
        int size = header.type().size();
        if (len % size != 0) {
            throw new IllegalArgumentException(path + ": " + len + " bytes are not a whole number of " + header.type() + " elements");
        }
        reserve(len / size);
        out.write(src, off, len);
    }

    /** Writes {@code n} values, converted to the element type. */
    public void writeInts(int[] src, int off, int n) throws IOException {
        reserve(n);
        for (int i = 0; i < n; i++) {
            put(src[off + i], off + i);
        }
        flushChunk();
    }

    /** Writes {@code n} values, converted to the element type. */
    public void writeFloats(float[] src, int off, int n) throws IOException {
        reserve(n);
        for (int i = 0; i < n; i++) {
            put(src[off + i], off + i);
        }
        flushChunk();
    }

    /** Writes {@code n} values, converted to the element type. */
    public void writeDoubles(double[] src, int off, int n) throws IOException {
        reserve(n);
        for (int i = 0; i < n; i++) {
            put(src[off + i], off + i);
        }
        flushChunk();
    }

    /**
     * Finishes the file. If fewer elements were written than the header promises, the file is deleted and an
     * {@link IllegalStateException} says how many are missing.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            out.close();
        } catch (IOException e) {
            fs.delete(path, false);
            throw e;
        }
        if (written != expectedElements) {
            fs.delete(path, false);
            throw new IllegalStateException(path + ": deleted, because " + written + " of the " + expectedElements
                    + " elements that the header (" + header + ") promises were written");
        }
    }

    /** Closes and deletes the file: for a writer whose input failed half-way. */
    public void abort() throws IOException {
        if (!closed) {
            closed = true;
            try {
                out.close();
            } finally {
                fs.delete(path, false);
            }
        }
    }

    private void reserve(long elements) {
        if (written + elements > expectedElements) {
            throw new IllegalStateException(path + ": the header (" + header + ") promises " + expectedElements
                    + " elements; writing " + elements + " more after " + written + " would exceed it");
        }
        written += elements;
    }

    private void put(double v, int index) throws IOException {
        IdxType t = header.type();
        if (t.integral() && (v != Math.rint(v) || v < t.min() || v > t.max())) {
            throw new IllegalArgumentException(path + ": value " + v + " at source index " + index
                    + " is not a " + t + " (an integer from " + (long) t.min() + " to " + (long) t.max() + ")");
        }
        if (bb.remaining() < 8) {
            flushChunk();
        }
        switch (t) {
            case UNSIGNED_BYTE, BYTE -> bb.put((byte) (int) v);
            case SHORT -> bb.putShort((short) v);
            case INT -> bb.putInt((int) v);
            case FLOAT -> bb.putFloat((float) v);
            case DOUBLE -> bb.putDouble(v);
        }
    }

    private void flushChunk() throws IOException {
        out.write(bb.array(), 0, bb.position());
        bb.clear();
    }
}
