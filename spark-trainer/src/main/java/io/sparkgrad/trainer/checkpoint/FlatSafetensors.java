package io.sparkgrad.trainer.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The safetensors format for float32 tensors: an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the raw little-endian data. Files written here load in PyTorch with
 * {@code safetensors.torch.load_file}, and the reader accepts any file of F32 tensors.
 */
public final class FlatSafetensors {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER = 100L * 1024 * 1024;

    /**
     * A tensor to write: {@code shape}'s product of floats from {@code data} starting at {@code offset}.
     *
     * @param data   backing array
     * @param offset first float
     * @param shape  tensor shape
     */
    public record Slice(float[] data, int offset, int[] shape) {
        int size() {
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            return Math.toIntExact(n);
        }
    }

    /**
     * A tensor as read.
     *
     * @param shape tensor shape
     * @param data  its floats, row-major
     */
    public record Tensor(int[] shape, float[] data) {
    }

    /**
     * The content of a file.
     *
     * @param tensors  tensors in file order
     * @param metadata the {@code __metadata__} strings
     */
    public record Content(Map<String, Tensor> tensors, Map<String, String> metadata) {
    }

    private FlatSafetensors() {
    }

    /** Writes the tensors (in map order) and metadata. Does not close {@code out}. */
    public static void write(OutputStream out, Map<String, Slice> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long at = 0;
        for (Map.Entry<String, Slice> e : tensors.entrySet()) {
            Slice s = e.getValue();
            if (s.offset() < 0 || s.offset() + (long) s.size() > s.data().length) {
                throw new IllegalArgumentException("tensor " + e.getKey() + " of shape " + Arrays.toString(s.shape()) + " at offset "
                        + s.offset() + " does not fit its buffer of " + s.data().length + " floats");
            }
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            ArrayNode shape = t.putArray("shape");
            for (int d : s.shape()) {
                shape.add(d);
            }
            long bytes = 4L * s.size();
            t.putArray("data_offsets").add(at).add(at + bytes);
            at += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        byte[] head = new byte[8 + padded];
        ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
        System.arraycopy(json, 0, head, 8, json.length);
        Arrays.fill(head, 8 + json.length, head.length, (byte) ' ');
        out.write(head);
        byte[] chunk = new byte[1 << 16];
        for (Slice s : tensors.values()) {
            int done = 0;
            int n = s.size();
            while (done < n) {
                int k = Math.min(chunk.length / 4, n - done);
                ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(s.data(), s.offset() + done, k);
                out.write(chunk, 0, 4 * k);
                done += k;
            }
        }
    }

    /**
     * Reads a file of F32 tensors. Does not close {@code in}.
     *
     * @param what names the file in error messages
     */
    public static Content read(InputStream in, String what) throws IOException {
        DataInputStream d = new DataInputStream(in);
        byte[] lenBytes = new byte[8];
        d.readFully(lenBytes);
        long headerLen = ByteBuffer.wrap(lenBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLen < 2 || headerLen > MAX_HEADER) {
            throw new IOException(what + ": safetensors header length " + headerLen + " is not plausible");
        }
        byte[] json = new byte[(int) headerLen];
        d.readFully(json);
        JsonNode header = JSON.readTree(new String(json, StandardCharsets.UTF_8).trim());
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, long[]> ranges = new LinkedHashMap<>();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                e.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            JsonNode t = e.getValue();
            if (!"F32".equals(t.path("dtype").asText())) {
                throw new IOException(what + ": tensor " + e.getKey() + " has dtype " + t.path("dtype").asText() + ", only F32 is supported");
            }
            int[] shape = new int[t.path("shape").size()];
            long n = 1;
            for (int i = 0; i < shape.length; i++) {
                shape[i] = t.path("shape").get(i).asInt();
                n *= shape[i];
            }
            long begin = t.path("data_offsets").path(0).asLong(-1);
            long end = t.path("data_offsets").path(1).asLong(-1);
            if (begin < 0 || end - begin != 4 * n) {
                throw new IOException(what + ": tensor " + e.getKey() + " of shape " + Arrays.toString(shape) + " has data offsets ["
                        + begin + ", " + end + "], which do not hold " + n + " floats");
            }
            ranges.put(e.getKey(), new long[] {begin, end});
            shapes.put(e.getKey(), shape);
        }
        // Tensors may be stored in any order: read the data section whole, then slice it.
        long dataLen = 0;
        for (long[] r : ranges.values()) {
            dataLen = Math.max(dataLen, r[1]);
        }
        if (dataLen > Integer.MAX_VALUE - 8) {
            throw new IOException(what + ": data section of " + dataLen + " bytes is too large to read at once");
        }
        byte[] data = new byte[(int) dataLen];
        d.readFully(data);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : ranges.entrySet()) {
            long[] r = e.getValue();
            float[] f = new float[(int) ((r[1] - r[0]) / 4)];
            ByteBuffer.wrap(data, (int) r[0], (int) (r[1] - r[0])).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
            tensors.put(e.getKey(), new Tensor(shapes.get(e.getKey()), f));
        }
        return new Content(tensors, metadata);
    }
}
