package io.sparkgrad.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkgrad.io.SafetensorsHeader.TensorInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads, validates and writes the JSON header of a safetensors file (the format's rules, in one place). */
final class HeaderCodec {
    static final String METADATA_KEY = "__metadata__";
    /** Dtypes of the format that Sparkgrad does not read, to tell "unsupported" from "unknown". */
    private static final Set<String> OTHER_DTYPES = Set.of("F16", "BF16", "F8_E4M3", "F8_E5M2", "F4", "F6_E2M3", "F6_E3M2", "E8M0",
            "I8", "U8", "I16", "U16", "U32", "U64", "BOOL", "C64");
    private static final Set<String> ENTRY_FIELDS = Set.of("dtype", "shape", "data_offsets");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory FACTORY = JSON.getFactory();

    private HeaderCodec() {
    }

    /**
     * Parses and validates a header: UTF-8 JSON object starting with '{', no duplicate names, string metadata, known
     * dtypes, shapes of non-negative ints, and byte ranges that tile the data section from 0 without gaps or overlaps,
     * each exactly {@code numel * dtype size} long. Tensors come back in data order.
     *
     * @param dataBytes the data section's length when known (a file), or -1 (a stream)
     */
    static SafetensorsHeader parse(byte[] json, String source, long dataBytes) throws SafetensorsException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(json)).toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsException(source + ": the header is not valid UTF-8", e);
        }
        if (text.isEmpty() || text.charAt(0) != '{') {
            throw new SafetensorsException(source + ": the header must be a JSON object starting with '{', it starts with "
                    + quote(text.substring(0, Math.min(16, text.length()))));
        }
        List<TensorInfo> entries = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        try (JsonParser p = FACTORY.createParser(text)) {
            p.nextToken();
            Set<String> names = new HashSet<>();
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                if (!names.add(name)) {
                    throw new SafetensorsException(source + ": tensor " + quote(name) + " appears twice in the header");
                }
                p.nextToken();
                if (name.equals(METADATA_KEY)) {
                    readMetadata(p, source, metadata);
                } else {
                    entries.add(entry(name, JSON.readTree(p), source));
                }
            }
            if (t != JsonToken.END_OBJECT) {
                throw new SafetensorsException(source + ": the header is not a well-formed JSON object");
            }
            if (p.nextToken() != null) {
                throw new SafetensorsException(source + ": the header has content after its JSON object (only space padding may follow)");
            }
        } catch (SafetensorsException e) {
            throw e;
        } catch (JsonProcessingException e) {
            throw new SafetensorsException(source + ": the header is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("reading JSON from a string", e);
        }
        entries.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long expected = 0;
        String previous = null;
        LinkedHashMap<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (TensorInfo e : entries) {
            if (e.begin() != expected) {
                throw new SafetensorsException(source + ": tensor " + quote(e.name()) + " data starts at byte " + e.begin() + " but "
                        + (previous == null ? "the data section starts at byte 0" : "tensor " + quote(previous) + " ends at byte " + expected)
                        + "; tensors must be laid out without gaps or overlaps");
            }
            tensors.put(e.name(), e);
            expected = e.end();
            previous = e.name();
        }
        if (dataBytes >= 0 && expected != dataBytes) {
            throw new SafetensorsException(source + ": the data section has " + dataBytes + " bytes but the tensors in the header cover "
                    + expected + (expected < dataBytes ? " (trailing bytes)" : " (the file is truncated)"));
        }
        return new SafetensorsHeader(tensors, metadata, json.length, expected);
    }

    private static void readMetadata(JsonParser p, String source, Map<String, String> out) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new SafetensorsException(source + ": " + quote(METADATA_KEY) + " must be an object of strings");
        }
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            if (p.nextToken() != JsonToken.VALUE_STRING) {
                throw new SafetensorsException(source + ": metadata " + quote(key) + " must be a string, got " + p.currentToken());
            }
            if (out.put(key, p.getText()) != null) {
                throw new SafetensorsException(source + ": metadata " + quote(key) + " appears twice");
            }
        }
        if (t != JsonToken.END_OBJECT) {
            throw new SafetensorsException(source + ": " + quote(METADATA_KEY) + " is not a well-formed object");
        }
    }

    private static TensorInfo entry(String name, JsonNode node, String source) throws SafetensorsException {
        String where = source + ": tensor " + quote(name);
        if (!node.isObject()) {
            throw new SafetensorsException(where + ": expected an object with dtype, shape and data_offsets, got " + node);
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!ENTRY_FIELDS.contains(field)) {
                throw new SafetensorsException(where + ": unknown field " + quote(field) + " (expected dtype, shape, data_offsets)");
            }
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new SafetensorsException(where + ": missing or non-string \"dtype\"");
        }
        SafetensorsDtype dtype = dtype(dtypeNode.asText(), where);
        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new SafetensorsException(where + ": missing \"shape\" array");
        }
        int[] shape = new int[shapeNode.size()];
        boolean empty = false;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0 || d.asLong() > Integer.MAX_VALUE) {
                throw new SafetensorsException(where + ": shape " + shapeNode + " must hold integers in [0, 2^31-1]");
            }
            shape[i] = d.asInt();
            empty |= shape[i] == 0;
        }
        long numel = empty ? 0 : 1;
        for (int i = 0; i < shape.length && !empty; i++) {
            numel *= shape[i]; // both factors below 2^31: no overflow before the check
            if (numel > Integer.MAX_VALUE) {
                throw new SafetensorsException(where + ": shape " + Arrays.toString(shape) + " has more than 2^31-1 elements, more than a tensor holds");
            }
        }
        JsonNode offsets = node.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2 || !offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber()
                || !offsets.get(0).canConvertToLong() || !offsets.get(1).canConvertToLong()) {
            throw new SafetensorsException(where + ": \"data_offsets\" must be [begin, end], got " + offsets);
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (begin < 0 || end < begin) {
            throw new SafetensorsException(where + ": data_offsets [" + begin + ", " + end + "] must satisfy 0 <= begin <= end");
        }
        long bytes = numel * dtype.bytes();
        if (end - begin != bytes) {
            throw new SafetensorsException(where + ": data_offsets [" + begin + ", " + end + "] span " + (end - begin) + " bytes but shape "
                    + Arrays.toString(shape) + " of " + dtype + " needs " + bytes);
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static SafetensorsDtype dtype(String s, String where) throws SafetensorsException {
        for (SafetensorsDtype d : SafetensorsDtype.values()) {
            if (d.name().equals(s)) {
                return d;
            }
        }
        if (OTHER_DTYPES.contains(s)) {
            throw new SafetensorsException(where + ": dtype " + s + " is not supported; Sparkgrad reads F32, F64, I32 and I64");
        }
        throw new SafetensorsException(where + ": unknown dtype " + quote(s));
    }

    /**
     * The header as the reference writer produces it: compact JSON, {@code __metadata__} first when there is any, the
     * tensors in the given order, padded with spaces to a multiple of 8 bytes.
     */
    static byte[] encode(List<TensorInfo> entries, Map<String, String> metadata) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator g = FACTORY.createGenerator(bytes)) {
            g.writeStartObject();
            if (metadata != null && !metadata.isEmpty()) {
                g.writeObjectFieldStart(METADATA_KEY);
                for (Map.Entry<String, String> m : metadata.entrySet()) {
                    g.writeStringField(m.getKey(), m.getValue());
                }
                g.writeEndObject();
            }
            for (TensorInfo e : entries) {
                g.writeObjectFieldStart(e.name());
                g.writeStringField("dtype", e.dtype().name());
                g.writeArrayFieldStart("shape");
                for (int d : e.shape()) {
                    g.writeNumber(d);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("data_offsets");
                g.writeNumber(e.begin());
                g.writeNumber(e.end());
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory", e);
        }
        int padding = (8 - bytes.size() % 8) % 8;
        for (int i = 0; i < padding; i++) {
            bytes.write(' ');
        }
        return bytes.toByteArray();
    }

    static String quote(String s) {
        return "'" + s + "'";
    }
}
