package io.sparkgrad.ingest.idx;

import io.sparkgrad.ingest.BadInputException;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Streams an IDX file from any Hadoop {@link FileSystem} ({@code file:}, {@code hdfs:}, {@code s3a:}, ...).
 *
 * <p>Gzip is recognised from the first two bytes ({@code 1f 8b}), not from the file name. Records are read in
 * order into caller-supplied primitive arrays, a chunk at a time, so a file of any size streams through a small
 * buffer. {@link #seekRecord(long)} positions on any record: on a raw file it is a seek (fixed-size records), so a
 * record range is read without reading the bytes before it; a gzip stream has to be decompressed up to it.
 *
 * <p>Every problem with the bytes (wrong magic number, unknown type, truncation, trailing bytes, corrupt gzip)
 * is a {@link BadInputException} that names the file and the byte offset. Not thread-safe.
 */
public final class IdxReader implements Closeable {

    private static final int CHUNK = 1 << 16;
    /** Deflate's largest expansion (a run of equal bytes), rounded up: 258 bytes per 2 bits of a full block. */
    static final long MAX_INFLATE_RATIO = 1033;
    /** Room for the gzip header and trailer of a tiny file. */
    private static final long GZIP_SLACK = 1024;

    private final Path path;
    private final String name;
    private final boolean gzip;
    private final long fileLength;
    private final IdxHeader header;
    private final byte[] buf = new byte[CHUNK];
    private FSDataInputStream raw;
    private InputStream in;
    /** Position in the uncompressed IDX bytes. */
    private long pos;
    private boolean endVerified;

    private IdxReader(FileSystem fs, Path path) throws IOException {
        this.path = path;
        this.name = path.toString();
        this.fileLength = fs.getFileStatus(path).getLen();
        this.raw = fs.open(path, CHUNK);
        boolean ok = false;
        try {
            this.gzip = startsWithGzipMagic();
            this.in = gzip ? gunzip() : raw;
            this.header = readHeader();
            if (!gzip) {
                checkRawLength();
            }
            ok = true;
        } finally {
            if (!ok) {
                raw.close();
            }
        }
    }

    /** Opens {@code path} on the file system its scheme names, with {@code conf}. */
    public static IdxReader open(Path path, Configuration conf) throws IOException {
        return new IdxReader(path.getFileSystem(conf), path);
    }

    /** Opens {@code path} on {@code fs}. */
    public static IdxReader open(FileSystem fs, Path path) throws IOException {
        return new IdxReader(fs, path);
    }

    /** Reads only the header of {@code path}. */
    public static IdxHeader readHeader(Path path, Configuration conf) throws IOException {
        try (IdxReader r = open(path, conf)) {
            return r.header();
        }
    }

    /** The file's header. */
    public IdxHeader header() {
        return header;
    }

    /** The path this reader reads, as given. */
    public Path path() {
        return path;
    }

    /**
     * Whether the header's size is checked against the file's length: exactly for a raw file; for gzip only bounded
     * (by deflate's largest expansion of the compressed length), so a gzip file's records must be read into buffers
     * that grow as they arrive rather than allocated from the header's count.
     */
    public boolean lengthVerified() {
        return !gzip;
    }

    /** Whether the file is gzip-compressed (found from its first bytes). */
    public boolean gzipped() {
        return gzip;
    }

    /** The index of the next record to be read. */
    public long nextRecord() {
        return (pos - header.headerBytes()) / header.recordBytes();
    }

    /** Records left from {@link #nextRecord()} to the end. */
    public long remainingRecords() {
        return header.records() - nextRecord();
    }

    /**
     * Positions the reader on record {@code record} (0-based; {@code records()} is the end). Raw files seek
     * directly; gzip files decompress forward (and restart from the beginning to go back).
     */
    public void seekRecord(long record) throws IOException {
        if (record < 0 || record > header.records()) {
            throw new BadInputException(name, null, "no record " + record + ": the file holds records 0 to "
                    + (header.records() - 1) + " (" + header + ")");
        }
        long target = header.headerBytes() + record * header.recordBytes();
        if (!gzip) {
            raw.seek(target);
            pos = target;
            return;
        }
        if (target < pos) {
            raw.seek(0);
            in = gunzip();
            pos = 0;
        }
        while (pos < target) {
            int n = (int) Math.min(buf.length, target - pos);
            readFully(buf, 0, n, "skipping to record " + record);
        }
    }

    /**
     * Reads {@code records} records as their raw element bytes (big-endian, as in the file) into {@code dst}
     * from {@code off}: {@code records * recordBytes()} bytes.
     */
    public void readBytes(byte[] dst, int off, int records) throws IOException {
        int len = byteCount(records);
        readFully(dst, off, len, "record " + nextRecord());
        afterRead();
    }

    /**
     * Reads {@code records} records of a one-byte type through a lookup table: element {@code e} becomes
     * {@code table[e & 0xFF]} (for {@link IdxType#UNSIGNED_BYTE} that is its value). {@code dst} receives
     * {@code records * recordElements()} floats from {@code off}. This is the fast path for pixel scaling.
     */
    public void readMapped(float[] dst, int off, int records, float[] table) throws IOException {
        if (header.type().size() != 1 || table.length != 256) {
            throw new IllegalArgumentException(name + ": a 256-entry table maps one-byte elements, but the file holds "
                    + header.type() + " and the table has " + table.length + " entries");
        }
        long left = byteCount(records);
        int o = off;
        while (left > 0) {
            int n = (int) Math.min(buf.length, left);
            readFully(buf, 0, n, "record " + nextRecord());
            for (int i = 0; i < n; i++) {
                dst[o + i] = table[buf[i] & 0xFF];
            }
            o += n;
            left -= n;
        }
        afterRead();
    }

    /** Reads {@code records} records converting every element to float ({@code records * recordElements()} values). */
    public void readFloats(float[] dst, int off, int records) throws IOException {
        readElements(off, records, (o, bb, count) -> {
            for (int i = 0; i < count; i++) {
                dst[o + i] = (float) element(bb, i);
            }
        });
    }

    /** Reads {@code records} records converting every element to double (exact for every IDX type). */
    public void readDoubles(double[] dst, int off, int records) throws IOException {
        readElements(off, records, (o, bb, count) -> {
            for (int i = 0; i < count; i++) {
                dst[o + i] = element(bb, i);
            }
        });
    }

    /** Stores the first {@code count} elements of the buffer {@code bb} wraps at {@code dst[o...]}. */
    private interface ChunkDecoder {
        void decode(int o, ByteBuffer bb, int count);
    }

    /** Reads {@code records} records chunk by chunk, handing each chunk's elements to {@code decoder}. */
    private void readElements(int off, int records, ChunkDecoder decoder) throws IOException {
        int o = off;
        long left = byteCount(records);
        ByteBuffer bb = ByteBuffer.wrap(buf).order(ByteOrder.BIG_ENDIAN);
        while (left > 0) {
            int n = (int) Math.min(buf.length, left);
            readFully(buf, 0, n, "record " + nextRecord());
            int count = n / header.type().size();
            decoder.decode(o, bb, count);
            o += count;
            left -= n;
        }
        afterRead();
    }

    /** Element {@code i} of the buffer {@code bb} wraps, as a double (exact for every IDX type). */
    private double element(ByteBuffer bb, int i) {
        return switch (header.type()) {
            case UNSIGNED_BYTE -> buf[i] & 0xFF;
            case BYTE -> buf[i];
            case SHORT -> bb.getShort(2 * i);
            case INT -> bb.getInt(4 * i);
            case FLOAT -> bb.getFloat(4 * i);
            case DOUBLE -> bb.getDouble(8 * i);
        };
    }

    /** Reads {@code records} records of an integral type as ints. */
    public void readInts(int[] dst, int off, int records) throws IOException {
        IdxType t = header.type();
        if (!t.integral()) {
            throw new IllegalArgumentException(name + ": holds " + t + " elements, which are not integers; use readFloats or readDoubles");
        }
        readElements(off, records, (o, bb, count) -> {
            for (int i = 0; i < count; i++) {
                dst[o + i] = (int) element(bb, i); // exact: an integral element fits a double and an int
            }
        });
    }

    @Override
    public void close() throws IOException {
        if (in != null) {
            in.close();
        }
        raw.close();
    }

    // ---- internals ----

    private boolean startsWithGzipMagic() throws IOException {
        int b0 = raw.read();
        int b1 = b0 < 0 ? -1 : raw.read();
        raw.seek(0);
        return b0 == 0x1f && b1 == 0x8b;
    }

    private InputStream gunzip() throws IOException {
        try {
            return new GZIPInputStream(raw, CHUNK);
        } catch (ZipException | EOFException e) {
            throw new BadInputException(name, "gzip header", "corrupt gzip stream: " + e.getMessage(), e);
        }
    }

    private IdxHeader readHeader() throws IOException {
        readFully(buf, 0, 4, "the magic number");
        int magic = ((buf[0] & 0xFF) << 24) | ((buf[1] & 0xFF) << 16) | ((buf[2] & 0xFF) << 8) | (buf[3] & 0xFF);
        if (buf[0] != 0 || buf[1] != 0) {
            throw new BadInputException(name, "byte offset 0", String.format(
                    "wrong magic number 0x%08X: an IDX file starts with two zero bytes, then the element type and the"
                            + " number of dimensions (MNIST images: 0x00000803, labels: 0x00000801)", magic));
        }
        IdxType type = IdxType.ofCode(buf[2] & 0xFF);
        if (type == null) {
            throw new BadInputException(name, "byte offset 2", String.format("wrong magic number 0x%08X: unknown element type"
                    + " 0x%02X (IDX knows 0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int, 0x0D float, 0x0E double)", magic, buf[2] & 0xFF));
        }
        int nd = buf[3] & 0xFF;
        if (nd == 0) {
            throw new BadInputException(name, "byte offset 3", String.format("wrong magic number 0x%08X: zero dimensions", magic));
        }
        readFully(buf, 0, 4 * nd, "the " + nd + " dimension sizes");
        int[] dims = new int[nd];
        ByteBuffer bb = ByteBuffer.wrap(buf).order(ByteOrder.BIG_ENDIAN);
        for (int i = 0; i < nd; i++) {
            dims[i] = bb.getInt(4 * i);
            if (dims[i] < 0) {
                throw new BadInputException(name, "byte offset " + (4 + 4 * i), "dimension " + i + " has size "
                        + Integer.toUnsignedLong(dims[i]) + ", more than an IDX reader can index");
            }
        }
        IdxHeader h;
        try {
            h = new IdxHeader(type, dims);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(name, "byte offset 4", e.getMessage(), e);
        }
        if (gzip && h.fileBytes() > MAX_INFLATE_RATIO * fileLength + GZIP_SLACK) {
            // Deflate cannot expand data more than ~1032 times, so the compressed length bounds what a gzip file can
            // hold: a header that claims more is corrupt, and no caller may size an allocation by it.
            throw new BadInputException(name, "byte offset 4", "the header (" + h + ") claims " + h.fileBytes()
                    + " uncompressed bytes, but a gzip file of " + fileLength + " bytes inflates to at most about "
                    + (MAX_INFLATE_RATIO * fileLength + GZIP_SLACK) + "; the header is corrupt");
        }
        return h;
    }

    private void checkRawLength() throws IOException {
        long need = header.fileBytes();
        if (fileLength < need) {
            long whole = (fileLength - header.headerBytes()) / Math.max(1, header.recordBytes());
            throw new BadInputException(name, "byte offset " + fileLength, "truncated: the header (" + header
                    + ") needs " + need + " bytes, but the file ends after " + fileLength + " bytes (only "
                    + Math.max(0, whole) + " whole records)");
        }
        if (fileLength > need) {
            throw new BadInputException(name, "byte offset " + need, (fileLength - need)
                    + " bytes after the last record: the header (" + header + ") needs exactly " + need + " bytes");
        }
    }

    private int byteCount(int records) throws IOException {
        long first = nextRecord();
        if (records < 0 || records > header.records() - first) {
            throw new BadInputException(name, "record " + first, "asked for " + records + " records from record " + first
                    + ", but the file holds " + header.records() + " records (" + header + ")");
        }
        long len = records * header.recordBytes();
        if (len > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException(name + ": " + records + " records are " + len + " bytes, more than one Java array holds");
        }
        return (int) len;
    }

    /** After the last record, makes sure nothing follows it (for gzip this also checks the gzip trailer's CRC). */
    private void afterRead() throws IOException {
        if (endVerified || pos != header.fileBytes() || !gzip) {
            return;
        }
        int extra;
        try {
            extra = in.read(buf, 0, buf.length);
        } catch (ZipException | EOFException e) {
            throw corrupt(e);
        }
        if (extra > 0) {
            throw new BadInputException(name, "decompressed byte offset " + pos, "data after the last record: the header ("
                    + header + ") needs exactly " + pos + " bytes");
        }
        endVerified = true;
    }

    private void readFully(byte[] b, int off, int len, String what) throws IOException {
        int done = 0;
        try {
            while (done < len) {
                int r = in.read(b, off + done, len - done);
                if (r < 0) {
                    String where = (gzip ? "decompressed byte offset " : "byte offset ") + (pos + done);
                    throw new BadInputException(name, where, "truncated: the data ends while reading " + what
                            + (header == null ? "" : " (the header, " + header + ", needs " + header.fileBytes() + " bytes)"));
                }
                done += r;
            }
        } catch (ZipException | EOFException e) {
            pos += done;
            throw corrupt(e);
        }
        pos += len;
    }

    private BadInputException corrupt(IOException e) throws IOException {
        String what = e instanceof EOFException ? "truncated gzip stream (" + e.getMessage() + ")" : "corrupt gzip data (" + e.getMessage() + ")";
        return new BadInputException(name, "decompressed byte offset " + pos + " (compressed byte offset about " + raw.getPos()
                + " of " + fileLength + ")", what, e);
    }
}
