package io.sparkgrad.io;

import io.sparkgrad.io.SafetensorsHeader.TensorInfo;
import io.sparkgrad.tensor.DType;
import io.sparkgrad.tensor.Shape;
import io.sparkgrad.tensor.Tensor;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the safetensors format, which PyTorch ({@code safetensors.torch.save_file} / {@code load_file})
 * and the rest of the Hugging Face ecosystem share:
 *
 * <pre>
 *   8 bytes   N, little-endian unsigned 64-bit: the header length
 *   N bytes   UTF-8 JSON: {"__metadata__": {"k": "v", ...},
 *                          "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
 *             padded with spaces to a multiple of 8 bytes
 *   rest      the tensors' raw little-endian data; offsets are relative to here, in order, without gaps
 * </pre>
 *
 * Writing produces F32 (FLOAT32 tensors) and I32 (INT32 tensors) in the map's order, with the header exactly as the
 * reference writer lays it out. Reading accepts F32, I32, I64 (into INT32, failing on values outside its range) and
 * F64 (rounded to FLOAT32), and validates the whole header before allocating any tensor: the header length against the
 * file size and {@link #MAX_HEADER_BYTES}, known dtypes, no duplicate names, byte ranges that tile the data section
 * exactly and match each shape. Errors are {@link SafetensorsException}s that name the file (or "stream") and the tensor.
 */
public final class Safetensors {
    /** The largest header accepted, as in the reference implementation. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    /** Bytes converted at a time (a multiple of 8, so elements never straddle chunks). */
    private static final int CHUNK = 1 << 20;
    private static final String STREAM = "stream";

    private Safetensors() {
    }

    // ------------------------------------------------------------------------------------------------ writing

    /** Writes {@code tensors} (in the map's order) to {@code file}; see {@link #save(Map, Map, Path)}. */
    public static void save(Map<String, Tensor> tensors, Path file) throws IOException {
        save(tensors, Map.of(), file);
    }

    /**
     * Writes {@code tensors} and the string {@code metadata} (omitted when empty) to {@code file}, through a temporary
     * file in the same folder that then replaces {@code file}, so a crash mid-write never leaves a truncated file
     * under the final name.
     */
    public static void save(Map<String, Tensor> tensors, Map<String, String> metadata, Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.TRUNCATE_EXISTING)) {
                save(tensors, metadata, out);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Writes {@code tensors} to {@code out} (flushed, not closed). */
    public static void save(Map<String, Tensor> tensors, OutputStream out) throws IOException {
        save(tensors, Map.of(), out);
    }

    /**
     * Writes {@code tensors} and {@code metadata} to {@code out} (flushed, not closed).
     *
     * @throws IllegalArgumentException for a null or reserved ({@code __metadata__}) name, or a null tensor or metadata value
     */
    public static void save(Map<String, Tensor> tensors, Map<String, String> metadata, OutputStream out) throws IOException {
        List<TensorInfo> entries = new ArrayList<>(tensors.size());
        List<Tensor> values = new ArrayList<>(tensors.size());
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue();
            if (name == null || name.equals(HeaderCodec.METADATA_KEY)) {
                throw new IllegalArgumentException("cannot save a tensor named " + name + ": the name is reserved by the safetensors format");
            }
            if (t == null) {
                throw new IllegalArgumentException("cannot save tensor '" + name + "': it is null");
            }
            SafetensorsDtype dtype = t.dtype() == DType.INT32 ? SafetensorsDtype.I32 : SafetensorsDtype.F32;
            long bytes = (long) t.numel() * dtype.bytes();
            entries.add(new TensorInfo(name, dtype, t.shape(), offset, offset + bytes));
            values.add(t);
            offset += bytes;
        }
        if (metadata != null) {
            metadata.forEach((k, v) -> {
                if (k == null || v == null) {
                    throw new IllegalArgumentException("safetensors metadata must map strings to strings, got " + k + " -> " + v);
                }
            });
        }
        byte[] header = HeaderCodec.encode(entries, metadata);
        OutputStream o = new BufferedOutputStream(out, 1 << 16);
        ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(header.length);
        o.write(buf.array(), 0, 8);
        o.write(header);
        for (Tensor t : values) {
            writeData(t, o, buf);
        }
        o.flush();
    }

    private static void writeData(Tensor t, OutputStream out, ByteBuffer buf) throws IOException {
        int n = t.numel();
        boolean ints = t.dtype() == DType.INT32;
        Tensor c = t.isContiguous() ? t : null;
        float[] f = ints ? null : c != null ? c.data() : t.toFloatArray();
        int[] i = ints ? (c != null ? c.intData() : t.toIntArray()) : null;
        int base = c != null ? c.storageOffset() : 0;
        int perChunk = CHUNK / 4;
        for (int done = 0; done < n; done += perChunk) {
            int count = Math.min(perChunk, n - done);
            buf.clear();
            if (ints) {
                buf.asIntBuffer().put(i, base + done, count);
            } else {
                buf.asFloatBuffer().put(f, base + done, count);
            }
            out.write(buf.array(), 0, count * 4);
        }
    }

    // ------------------------------------------------------------------------------------------------ reading

    /** The tensors of {@code file}, in file order. */
    public static LinkedHashMap<String, Tensor> load(Path file) throws IOException {
        return read(file).tensors();
    }

    /** The tensors of a safetensors stream, in file order; reads exactly the header and the data it describes. */
    public static LinkedHashMap<String, Tensor> load(InputStream in) throws IOException {
        return read(in).tensors();
    }

    /** The tensors and metadata of {@code file}. */
    public static SafetensorsFile read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            String source = file.toString();
            SafetensorsHeader header = readHeader(ch, source);
            long dataStart = 8 + header.headerBytes();
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, Math.max(8, header.dataBytes()))).order(ByteOrder.LITTLE_ENDIAN);
            LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
            for (TensorInfo info : header.tensors().values()) {
                long[] position = {dataStart + info.begin()};
                out.put(info.name(), decode(info, len -> {
                    buf.clear().limit(len);
                    while (buf.hasRemaining()) {
                        if (ch.read(buf, position[0] + buf.position()) < 0) {
                            throw new SafetensorsException(source + ": tensor '" + info.name() + "': the file ended early (it changed while being read?)");
                        }
                    }
                    position[0] += len;
                    return buf.flip();
                }, source));
            }
            return new SafetensorsFile(out, header.metadata());
        }
    }

    /** The tensors and metadata of a safetensors stream. */
    public static SafetensorsFile read(InputStream in) throws IOException {
        return read(in, STREAM, -1);
    }

    /**
     * The tensors and metadata of a safetensors stream that holds a file of {@code length} bytes (-1 when unknown), e.g.
     * a Hadoop {@code FileSystem} stream whose length its {@code FileStatus} gives. With a length, the header length and
     * every tensor's byte range are checked against it before anything is allocated, and a stream with bytes after the
     * data section is refused; without one, data is allocated only as it arrives, so a lying header fails at the end of
     * the stream instead of with a huge allocation. Errors name {@code source} and the tensor. Reads exactly the header
     * and the data it describes; does not close {@code in}.
     */
    public static SafetensorsFile read(InputStream in, String source, long length) throws IOException {
        SafetensorsHeader header = readHeader(in, source, length);
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        for (TensorInfo info : header.tensors().values()) {
            long remaining = info.end() - info.begin();
            List<byte[]> chunks = new ArrayList<>();
            while (remaining > 0) {
                int len = (int) Math.min(CHUNK, remaining);
                byte[] chunk = in.readNBytes(len);
                if (chunk.length < len) {
                    long got = info.end() - info.begin() - remaining + chunk.length;
                    throw new SafetensorsException(source + ": tensor '" + info.name() + "': the stream ended after " + got + " of its "
                            + (info.end() - info.begin()) + " bytes");
                }
                chunks.add(chunk);
                remaining -= len;
            }
            int[] next = {0};
            out.put(info.name(), decode(info, len -> ByteBuffer.wrap(chunks.get(next[0]++), 0, len).order(ByteOrder.LITTLE_ENDIAN), source));
        }
        if (length >= 0 && in.read() >= 0) {
            throw new SafetensorsException(source + ": the stream holds more than the " + length + " bytes its length says");
        }
        return new SafetensorsFile(out, header.metadata());
    }

    /** The validated header of {@code file}, without reading the data. */
    public static SafetensorsHeader readHeader(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return readHeader(ch, file.toString());
        }
    }

    /** Reads and validates the header of a stream, leaving it at the start of the data section. */
    public static SafetensorsHeader readHeader(InputStream in) throws IOException {
        return readHeader(in, STREAM, -1);
    }

    /**
     * Reads and validates the header of a stream holding {@code length} bytes (-1 when unknown), leaving it at the start
     * of the data section; see {@link #read(InputStream, String, long)}.
     */
    public static SafetensorsHeader readHeader(InputStream in, String source, long length) throws IOException {
        if (length >= 0 && length < 8) {
            throw new SafetensorsException(source + ": the file has " + length + " bytes, fewer than the 8-byte header length");
        }
        byte[] lengthBytes = in.readNBytes(8);
        if (lengthBytes.length < 8) {
            throw new SafetensorsException(source + ": ends after " + lengthBytes.length + " bytes, before the 8-byte header length");
        }
        long n = ByteBuffer.wrap(lengthBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        checkHeaderLength(n, source);
        if (length >= 0 && n > length - 8) {
            throw new SafetensorsException(source + ": the header length " + n + " runs past the end of the file (" + length + " bytes)");
        }
        byte[] json = in.readNBytes((int) n);
        if (json.length < n) {
            throw new SafetensorsException(source + ": ends after " + json.length + " of the " + n + " header bytes");
        }
        return HeaderCodec.parse(json, source, length < 0 ? -1 : length - 8 - n);
    }

    private static SafetensorsHeader readHeader(FileChannel ch, String source) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new SafetensorsException(source + ": the file has " + size + " bytes, fewer than the 8-byte header length");
        }
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, len, 0, source);
        long n = len.flip().getLong();
        checkHeaderLength(n, source);
        if (n > size - 8) {
            throw new SafetensorsException(source + ": the header length " + n + " runs past the end of the file (" + size + " bytes)");
        }
        ByteBuffer json = ByteBuffer.allocate((int) n);
        readFully(ch, json, 8, source);
        return HeaderCodec.parse(json.array(), source, size - 8 - n);
    }

    private static void checkHeaderLength(long n, String source) throws SafetensorsException {
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw new SafetensorsException(source + ": the header length " + Long.toUnsignedString(n) + " exceeds the limit of "
                    + MAX_HEADER_BYTES + " bytes; this is not a safetensors file or it is corrupt");
        }
        if (n < 2) {
            throw new SafetensorsException(source + ": the header length " + n + " is too small for a JSON object");
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer dst, long position, String source) throws IOException {
        while (dst.hasRemaining()) {
            if (ch.read(dst, position + dst.position()) < 0) {
                throw new SafetensorsException(source + ": the file ended early");
            }
        }
    }

    /** Supplies the next {@code len} data bytes of the current tensor as a little-endian buffer. */
    private interface ChunkSource {
        ByteBuffer next(int len) throws IOException;
    }

    private static Tensor decode(TensorInfo info, ChunkSource src, String source) throws IOException {
        int n = (int) info.numel();
        int[] shape = info.shape();
        int size = info.dtype().bytes();
        int perChunk = CHUNK / size;
        switch (info.dtype()) {
            case F32 -> {
                float[] out = new float[n];
                for (int done = 0; done < n; done += perChunk) {
                    int count = Math.min(perChunk, n - done);
                    src.next(count * 4).asFloatBuffer().get(out, done, count);
                }
                return Tensor.of(out, shape);
            }
            case I32 -> {
                int[] out = new int[n];
                for (int done = 0; done < n; done += perChunk) {
                    int count = Math.min(perChunk, n - done);
                    src.next(count * 4).asIntBuffer().get(out, done, count);
                }
                return Tensor.ofInts(out, shape);
            }
            case F64 -> {
                float[] out = new float[n];
                for (int done = 0; done < n; done += perChunk) {
                    int count = Math.min(perChunk, n - done);
                    ByteBuffer b = src.next(count * 8);
                    for (int k = 0; k < count; k++) {
                        out[done + k] = (float) b.getDouble();
                    }
                }
                return Tensor.of(out, shape);
            }
            case I64 -> {
                int[] out = new int[n];
                for (int done = 0; done < n; done += perChunk) {
                    int count = Math.min(perChunk, n - done);
                    ByteBuffer b = src.next(count * 8);
                    for (int k = 0; k < count; k++) {
                        long v = b.getLong();
                        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                            throw new SafetensorsException(source + ": tensor '" + info.name() + "': I64 element " + (done + k) + " = " + v
                                    + " does not fit in INT32, which Sparkgrad uses for integer tensors");
                        }
                        out[done + k] = (int) v;
                    }
                }
                return Tensor.ofInts(out, shape);
            }
            default -> throw new IllegalStateException("unhandled dtype " + info.dtype() + " of " + Shape.format(shape));
        }
    }
}
