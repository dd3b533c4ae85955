package io.sparkgrad.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkgrad.tensor.Shape;
import io.sparkgrad.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ObjIntConsumer;
import java.util.function.Predicate;

/**
 * One PyTorch golden case as the folder's README defines it: the op, its params, the input tensors (float32, or
 * int64 class targets read as INT32), the expected outputs and gradients, and the elementwise tolerance
 * {@code |actual - expected| <= abs + rel * |expected|}.
 */
record GoldenCase(String file, String name, String op, JsonNode params, Map<String, Tensor> inputs, Map<String, Tensor> outputs,
        Map<String, Tensor> grads, double rel, double abs) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Parses and validates one case file; any malformed part is an error naming the file and the field. */
    static GoldenCase read(Path path) {
        String file = path.getFileName().toString();
        JsonNode root;
        try (InputStream in = Files.newInputStream(path)) {
            root = JSON.readTree(in);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not readable as JSON: " + e.getMessage(), e);
        }
        String name = text(root, "name", file);
        String op = text(root, "op", file);
        JsonNode params = root.has("params") && !root.get("params").isNull() ? root.get("params") : new ObjectNode(JsonNodeFactory.instance);
        JsonNode tolerance = root.get("tolerance");
        double rel = tolerance != null && tolerance.has("rel") ? tolerance.get("rel").asDouble() : 1e-4;
        double abs = tolerance != null && tolerance.has("abs") ? tolerance.get("abs").asDouble() : 1e-5;
        return new GoldenCase(file, name, op, params, tensors(root, "inputs", file, true), tensors(root, "outputs", file, true),
                tensors(root, "grads", file, false), rel, abs);
    }

    private static String text(JsonNode root, String field, String file) {
        JsonNode n = root.get(field);
        if (n == null || !n.isTextual()) {
            throw new IllegalArgumentException(file + ": missing or non-text field '" + field + "'");
        }
        return n.asText();
    }

    private static Map<String, Tensor> tensors(JsonNode root, String field, String file, boolean required) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            if (required) {
                throw new IllegalArgumentException(file + ": missing field '" + field + "'");
            }
            return Map.of();
        }
        if (!n.isObject()) {
            throw new IllegalArgumentException(file + ": field '" + field + "' must be an object of tensors");
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), tensor(e.getValue(), file + ": " + field + "." + e.getKey()));
        }
        return Collections.unmodifiableMap(out);
    }

    /** Reads {@code {"dtype", "shape", "data"}}; floats are float32 values printed exactly, so a cast is lossless. */
    private static Tensor tensor(JsonNode t, String where) {
        JsonNode shapeNode = t.get("shape");
        JsonNode data = t.get("data");
        JsonNode dtype = t.get("dtype");
        if (shapeNode == null || !shapeNode.isArray() || data == null || !data.isArray() || dtype == null) {
            throw new IllegalArgumentException(where + ": a tensor needs dtype, shape (array) and data (array)");
        }
        int[] shape = new int[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).asInt(-1);
            if (shape[i] < 0) {
                throw new IllegalArgumentException(where + ": bad dimension " + shapeNode.get(i) + " in shape " + shapeNode);
            }
        }
        int n = Shape.numel(shape);
        if (data.size() != n) {
            throw new IllegalArgumentException(where + ": shape " + Shape.format(shape) + " needs " + n + " values, data has " + data.size());
        }
        switch (dtype.asText()) {
            case "float32" -> {
                float[] v = new float[n];
                readEach(data, where, JsonNode::isNumber, "a number", (x, i) -> v[i] = (float) x.doubleValue());
                return Tensor.of(v, shape);
            }
            case "int64" -> {
                int[] v = new int[n];
                readEach(data, where, JsonNode::canConvertToInt, "an int32-sized integer", (x, i) -> v[i] = x.intValue());
                return Tensor.ofInts(v, shape);
            }
            default -> throw new IllegalArgumentException(where + ": unsupported dtype '" + dtype.asText() + "' (expected float32 or int64)");
        }
    }

    /** Hands every element of {@code data} and its index to {@code store}, after checking it is {@code what}. */
    private static void readEach(JsonNode data, String where, Predicate<JsonNode> isValid, String what,
            ObjIntConsumer<JsonNode> store) {
        for (int i = 0; i < data.size(); i++) {
            JsonNode x = data.get(i);
            if (!isValid.test(x)) {
                throw new IllegalArgumentException(where + ": data[" + i + "] is not " + what + ": " + x);
            }
            store.accept(x, i);
        }
    }
}
