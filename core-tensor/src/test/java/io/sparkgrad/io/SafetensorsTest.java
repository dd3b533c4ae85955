package io.sparkgrad.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.io.SafetensorsHeader.TensorInfo;
import io.sparkgrad.tensor.DType;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {

    @TempDir
    Path dir;

    /** A file of the format with the given JSON header (unpadded) and data bytes. */
    private static byte[] raw(String json, byte[] data) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h).put(data).array();
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private static byte[] floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    private Path write(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    private static byte[] toBytes(Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Safetensors.save(tensors, metadata, out);
        return out.toByteArray();
    }

    @Test
    void writesExactlyTheReferenceLayout() throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("weight", Tensor.of(new float[] {1f, -2f, 0.5f, 0f}, 2, 2));
        tensors.put("labels", Tensor.ofInts(new int[] {1, -1, 258}, 3));
        String json = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                + "\"labels\":{\"dtype\":\"I32\",\"shape\":[3],\"data_offsets\":[16,28]}}";
        assertEquals(153, json.length());
        String padded = json + "       "; // seven spaces: 160 = 20 * 8
        byte[] expected = new byte[8 + 160 + 28];
        expected[0] = (byte) 160; // little-endian u64 160
        System.arraycopy(padded.getBytes(StandardCharsets.US_ASCII), 0, expected, 8, 160);
        byte[] data = bytes(
                0x00, 0x00, 0x80, 0x3F,  // 1.0f
                0x00, 0x00, 0x00, 0xC0,  // -2.0f
                0x00, 0x00, 0x00, 0x3F,  // 0.5f
                0x00, 0x00, 0x00, 0x00,  // 0.0f
                0x01, 0x00, 0x00, 0x00,  // 1
                0xFF, 0xFF, 0xFF, 0xFF,  // -1
                0x02, 0x01, 0x00, 0x00); // 258
        System.arraycopy(data, 0, expected, 168, 28);

        assertArrayEquals(expected, toBytes(tensors, Map.of("format", "pt")));
        Path file = dir.resolve("exact.safetensors");
        Safetensors.save(tensors, Map.of("format", "pt"), file);
        assertArrayEquals(expected, Files.readAllBytes(file));
    }

    @Test
    void headerWithoutMetadataHasNoMetadataKeyAndIsPadded() throws IOException {
        byte[] out = toBytes(Map.of("a", Tensor.scalar(2f)), Map.of());
        String json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}";
        long n = ByteBuffer.wrap(out, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8);
        assertEquals(json + " ".repeat((int) n - json.length()), new String(out, 8, (int) n, StandardCharsets.UTF_8));
        assertEquals(8 + n + 4, out.length);
    }

    @Test
    void roundTripsThroughFilesAndStreamsInOrder() throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("z.weight", Tensor.randn(new Generator(1), 4, 3, 2));
        tensors.put("a.bias", Tensor.vector(0.25f, -7f));
        tensors.put("scalar", Tensor.scalar(3.5f));
        tensors.put("empty", Tensor.zeros(0, 3));
        tensors.put("targets", Tensor.ofInts(new int[] {9, 0, Integer.MAX_VALUE, Integer.MIN_VALUE}, 2, 2));
        tensors.put("transposed", Tensor.arange(6).view(2, 3).t());       // non-contiguous: saved as its logical values
        tensors.put("view", Tensor.wrap(new float[] {9, 9, 1, 2, 3}, 2, 3)); // offset into a larger array
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put("note", "äöü \"quoted\" \\ / \n");

        Path file = dir.resolve("model.safetensors");
        Safetensors.save(tensors, metadata, file);
        SafetensorsFile fromFile = Safetensors.read(file);
        SafetensorsFile fromStream = Safetensors.read(new ByteArrayInputStream(Files.readAllBytes(file)));
        for (SafetensorsFile f : List.of(fromFile, fromStream)) {
            assertEquals(List.copyOf(tensors.keySet()), List.copyOf(f.tensors().keySet()));
            assertEquals(metadata, f.metadata());
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                Tensor got = f.tensors().get(e.getKey());
                assertArrayEquals(e.getValue().shape(), got.shape(), e.getKey());
                assertEquals(e.getValue().dtype(), got.dtype(), e.getKey());
                if (got.dtype() == DType.INT32) {
                    assertArrayEquals(e.getValue().toIntArray(), got.toIntArray(), e.getKey());
                } else {
                    assertArrayEquals(e.getValue().toFloatArray(), got.toFloatArray(), e.getKey());
                }
            }
        }
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, fromFile.tensors().get("transposed").toFloatArray());
        assertEquals(List.copyOf(tensors.keySet()), List.copyOf(Safetensors.load(file).keySet()));
    }

    @Test
    void readHeaderDescribesTheTensorsWithoutReadingData() throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("w", Tensor.zeros(3, 4));
        tensors.put("y", Tensor.ofInts(new int[5], 5));
        Path file = dir.resolve("h.safetensors");
        Safetensors.save(tensors, Map.of("epoch", "3"), file);
        SafetensorsHeader h = Safetensors.readHeader(file);
        assertEquals(new TensorInfo("w", SafetensorsDtype.F32, new int[] {3, 4}, 0, 48), h.tensors().get("w"));
        assertEquals(new TensorInfo("y", SafetensorsDtype.I32, new int[] {5}, 48, 68), h.tensors().get("y"));
        assertEquals(Map.of("epoch", "3"), h.metadata());
        assertEquals(68, h.dataBytes());
        assertEquals(Files.size(file) - 8 - 68, h.headerBytes());
    }

    @Test
    void readsI64AsIntsAndF64AsFloats() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        data.putLong(7).putLong(-3).putLong(2_000_000_000L);
        data.putDouble(0.1).putDouble(-1e300);
        byte[] file = raw("{\"t\":{\"dtype\":\"I64\",\"shape\":[3],\"data_offsets\":[0,24]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[24,40]}}", data.array());
        Map<String, Tensor> m = Safetensors.load(write("torch.safetensors", file));
        assertEquals(DType.INT32, m.get("t").dtype());
        assertArrayEquals(new int[] {7, -3, 2_000_000_000}, m.get("t").toIntArray());
        assertEquals(DType.FLOAT32, m.get("d").dtype());
        assertArrayEquals(new float[] {0.1f, Float.NEGATIVE_INFINITY}, m.get("d").toFloatArray());
    }

    @Test
    void anI64ValueOutsideInt32IsRefused() throws IOException {
        byte[] data = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1).putLong(3_000_000_000L).array();
        Path p = write("big.safetensors", raw("{\"t\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}}", data));
        assertError(p, "tensor 't': I64 element 1 = 3000000000 does not fit in INT32");
    }

    @Test
    void savingOverAnExistingFileReplacesItAndLeavesNoTemporaryFile() throws IOException {
        Path file = dir.resolve("ckpt.safetensors");
        Safetensors.save(Map.of("a", Tensor.zeros(100)), file);
        Safetensors.save(Map.of("b", Tensor.ones(2)), file);
        assertEquals(List.of("b"), List.copyOf(Safetensors.load(file).keySet()));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(file), s.toList());
        }
    }

    @Test
    void reservedOrMissingNamesAreRefusedWhenSaving() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> toBytes(Map.of("__metadata__", Tensor.zeros(1)), Map.of()));
        assertTrue(e.getMessage().contains("reserved"), e.getMessage());
    }

    // ------------------------------------------------------------------------------------------------ validation

    private static final String W = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    private void assertError(Path file, String part) {
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> Safetensors.load(file));
        assertTrue(e.getMessage().startsWith(file.toString() + ": "), "names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' lacks '" + part + "'");
    }

    private void assertError(String json, byte[] data, String part) throws IOException {
        assertError(write("bad.safetensors", raw(json, data)), part);
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> Safetensors.load(new ByteArrayInputStream(raw(json, data))));
        assertTrue(e.getMessage().startsWith("stream: "), "names the stream: " + e.getMessage());
        assertSizedStreamError(raw(json, data), part);
    }

    /** A stream of known length (as a Hadoop file is read) fails with the file reader's message, naming the source given. */
    private static void assertSizedStreamError(byte[] content, String part) {
        SafetensorsException e = assertThrows(SafetensorsException.class,
                () -> Safetensors.read(new ByteArrayInputStream(content), "hdfs://nn/ckpt/model.safetensors", content.length));
        assertTrue(e.getMessage().startsWith("hdfs://nn/ckpt/model.safetensors: "), "names the source: " + e.getMessage());
        assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' lacks '" + part + "'");
    }

    @Test
    void aStreamOfKnownLengthIsCheckedAsStrictlyAsAFile() throws IOException {
        byte[] past = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN).putLong(64).array();
        assertSizedStreamError(past, "the header length 64 runs past the end of the file (40 bytes)");
        assertSizedStreamError(bytes(1, 2, 3), "the file has 3 bytes, fewer than the 8-byte header length");
        byte[] huge = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE).array();
        assertSizedStreamError(huge, "exceeds the limit of 100000000 bytes");
        assertSizedStreamError(raw(W, floats(1, 2, 3)), "the data section has 12 bytes but the tensors in the header cover 8 (trailing bytes)");
        assertSizedStreamError(raw(W, floats(1)), "(the file is truncated)");
        // A length that understates the stream: the extra bytes are refused, not ignored.
        byte[] ok = raw(W, floats(1, 2));
        byte[] longer = java.util.Arrays.copyOf(ok, ok.length + 4);
        SafetensorsException e = assertThrows(SafetensorsException.class,
                () -> Safetensors.read(new ByteArrayInputStream(longer), "f", ok.length));
        assertTrue(e.getMessage().contains("f: the stream holds more than the " + ok.length + " bytes"), e.getMessage());
        // A length that overstates it: the data ends early.
        e = assertThrows(SafetensorsException.class, () -> Safetensors.read(new ByteArrayInputStream(raw(W, floats(1))), "g", ok.length));
        assertTrue(e.getMessage().contains("g: tensor 'w': the stream ended after 4 of its 8 bytes"), e.getMessage());
        SafetensorsFile f = Safetensors.read(new ByteArrayInputStream(ok), "h", ok.length);
        assertArrayEquals(new float[] {1, 2}, f.tensors().get("w").toFloatArray());
    }

    @Test
    void headerLengthIsCheckedAgainstTheFileAndTheLimit() throws IOException {
        assertError(write("short.safetensors", bytes(1, 2, 3)), "the file has 3 bytes, fewer than the 8-byte header length");
        byte[] huge = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Safetensors.MAX_HEADER_BYTES + 1).array();
        assertError(write("huge.safetensors", huge), "the header length 100000001 exceeds the limit of 100000000 bytes");
        byte[] negative = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-1L).array();
        assertError(write("neg.safetensors", negative), "the header length 18446744073709551615 exceeds the limit");
        byte[] past = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN).putLong(64).array();
        assertError(write("past.safetensors", past), "the header length 64 runs past the end of the file (40 bytes)");
        SafetensorsException s = assertThrows(SafetensorsException.class, () -> Safetensors.load(new ByteArrayInputStream(past)));
        assertTrue(s.getMessage().contains("stream: ends after 32 of the 64 header bytes"), s.getMessage());
    }

    @Test
    void headerMustBeAUtf8JsonObject() throws IOException {
        byte[] notUtf8 = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(4).put(bytes('{', 0xC3, 0x28, '}')).array();
        assertError(write("utf.safetensors", notUtf8), "the header is not valid UTF-8");
        assertError("[1, 2]", new byte[0], "must be a JSON object starting with '{'");
        assertError("{\"w\": {", new byte[0], "the header is not valid JSON");
        assertError(W + "{}", floats(1, 2), "content after its JSON object");
        assertError("{\"__metadata__\":{\"epoch\":3}}", new byte[0], "metadata 'epoch' must be a string");
    }

    @Test
    void duplicateNamesAreRefused() throws IOException {
        assertError("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                floats(1, 2), "tensor 'w' appears twice in the header");
    }

    @Test
    void dtypesMustBeKnownAndSupported() throws IOException {
        assertError("{\"w\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", floats(1, 2), "tensor 'w': unknown dtype 'Q4'");
        assertError("{\"w\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,8]}}", floats(1, 2),
                "tensor 'w': dtype F16 is not supported; Sparkgrad reads F32, F64, I32 and I64");
    }

    @Test
    void shapesAndOffsetsMustBeWellFormed() throws IOException {
        assertError("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", floats(1, 2), "tensor 'w': missing \"shape\" array");
        assertError("{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", floats(1, 2), "tensor 'w': shape [-2] must hold integers");
        assertError("{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", floats(1, 2), "shape [2.5] must hold integers");
        assertError("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", floats(1, 2), "tensor 'w': \"data_offsets\" must be [begin, end]");
        assertError("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", floats(1, 2), "must satisfy 0 <= begin <= end");
        assertError("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"offsets\":1}}", floats(1, 2), "unknown field 'offsets'");
        assertError("{\"w\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,8]}}", floats(1, 2),
                "more than 2^31-1 elements");
    }

    @Test
    void byteRangesMustMatchShapesAndTileTheDataSection() throws IOException {
        assertError("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", floats(1, 2),
                "tensor 'w': data_offsets [0, 8] span 8 bytes but shape [3] of F32 needs 12");
        assertError("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", floats(1, 2),
                "tensor 'w' data starts at byte 4 but the data section starts at byte 0");
        assertError("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                floats(1, 2), "tensor 'b' data starts at byte 4 but tensor 'a' ends at byte 8; tensors must be laid out without gaps or overlaps");
        assertError("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
                floats(1, 2, 3), "tensor 'b' data starts at byte 8 but tensor 'a' ends at byte 4");
    }

    @Test
    void theDataSectionMustHaveExactlyTheDescribedLength() throws IOException {
        assertError(write("trailing.safetensors", raw(W, floats(1, 2, 3))), "the data section has 12 bytes but the tensors in the header cover 8 (trailing bytes)");
        assertError(write("truncated.safetensors", raw(W, floats(1))), "the data section has 4 bytes but the tensors in the header cover 8 (the file is truncated)");
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> Safetensors.load(new ByteArrayInputStream(raw(W, floats(1)))));
        assertTrue(e.getMessage().contains("stream: tensor 'w': the stream ended after 4 of its 8 bytes"), e.getMessage());
    }

    @Test
    void dataOrderNotHeaderOrderDecidesTheResultOrder() throws IOException {
        String json = "{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        Map<String, Tensor> m = Safetensors.load(write("order.safetensors", raw(json, floats(1, 2))));
        assertEquals(List.of("a", "b"), List.copyOf(m.keySet()));
        assertEquals(1f, m.get("a").item());
        assertEquals(2f, m.get("b").item());
    }
}
