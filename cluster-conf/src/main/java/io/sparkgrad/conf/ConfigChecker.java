package io.sparkgrad.conf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Checks the merged configuration tree against {@link JobConfig}'s shape before Jackson binds it, so that
 * every problem is reported at once with its key path, its layer and what is allowed: unknown keys (naming
 * the nearest valid key), values of the wrong type, values outside their {@link Range}, enum values not
 * allowed, missing values. It also puts each value in its bound form in place (text from {@code --set} as a
 * number, boolean or list; an enum as its label; a blank string as null), so the binding itself is plain
 * {@code treeToValue}.
 */
final class ConfigChecker {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private final Function<String, String> originOf;
    private final List<ConfigProblem> problems = new ArrayList<>();

    private ConfigChecker(Function<String, String> originOf) {
        this.originOf = originOf;
    }

    /** Every problem in {@code tree} (normalising its values in place); empty if it binds. */
    static List<ConfigProblem> check(ObjectNode tree, Function<String, String> originOf) {
        ConfigChecker checker = new ConfigChecker(originOf);
        checker.section(ConfigSchema.ROOT, tree, "");
        return checker.problems;
    }

    private void problem(String path, String message) {
        problems.add(new ConfigProblem(path, originOf.apply(path), message));
    }

    private void section(ConfigSchema.Section section, ObjectNode node, String prefix) {
        node.fieldNames().forEachRemaining(name -> {
            if (!section.children().containsKey(name)) {
                problem(prefix + name, "unknown key; did you mean " + KeySuggester.nearest(section, prefix, name) + "?");
            }
        });
        section.children().forEach((name, schema) -> {
            String path = prefix + name;
            JsonNode child = node.get(name);
            if (schema instanceof ConfigSchema.Section s) {
                if (child != null && child.isObject()) {
                    section(s, (ObjectNode) child, path + ".");
                } else {
                    problem(path, "must be a section with the keys " + String.join(", ", s.children().keySet())
                            + ", not " + (child == null ? "missing" : "the value '" + child.asText() + "'"));
                }
            } else if (schema instanceof ConfigSchema.FreeMap) {
                node.set(name, freeMap(child, path));
            } else {
                node.set(name, leaf((ConfigSchema.Leaf) schema, child, path));
            }
        });
    }

    private ObjectNode freeMap(JsonNode node, String path) {
        ObjectNode out = NODES.objectNode();
        if (node != null && !node.isNull() && !node.isObject()) {
            problem(path, "must be a mapping of Spark settings (spark.executor.memory: 4g), not '" + node.asText() + "'");
        } else if (node != null) {
            node.fields().forEachRemaining(e -> {
                JsonNode v = e.getValue();
                if (!v.isValueNode()) {
                    problem(path + "." + e.getKey(), "a Spark setting must be a single value, not a "
                            + (v.isArray() ? "list" : "mapping"));
                } else if (!v.isNull()) { // a null entry removes a setting a lower layer (a preset) made
                    out.put(e.getKey(), v.asText());
                }
            });
        }
        return out;
    }

    private JsonNode leaf(ConfigSchema.Leaf leaf, JsonNode node, String path) {
        Class<?> type = leaf.type();
        if (node == null || node.isNull()) {
            if (type != String.class) {
                problem(path, "missing required value (" + ConfigSchema.describe(leaf) + ")");
            }
            return NullNode.instance;
        }
        if (!node.isValueNode() && !(leaf.isList() && node.isArray())) {
            problem(path, "must be " + ConfigSchema.describe(leaf) + ", not a " + (node.isArray() ? "list" : "mapping"));
            return node;
        }
        if (leaf.isList()) {
            return leaf.element() == String.class ? strings(node, path) : numbers(node, path, leaf.element());
        }
        String text = node.asText().trim();
        if (type == String.class) {
            // An empty value ("--set output.checkpointDir=") means "not given", like null.
            return text.isEmpty() ? NullNode.instance : TextNode.valueOf(node.asText());
        }
        if (type.isEnum()) {
            return enumLabel(type, text, path);
        }
        if (type == boolean.class) {
            if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
                return BooleanNode.valueOf(Boolean.parseBoolean(text));
            }
            problem(path, "'" + text + "' is not a boolean; allowed values: true, false");
            return node;
        }
        try {
            JsonNode number = type == int.class ? NODES.numberNode(Integer.parseInt(text))
                    : type == long.class ? NODES.numberNode(Long.parseLong(text)) : NODES.numberNode(finite(text));
            if (leaf.range() != null) {
                checkRange(leaf.range(), number.doubleValue(), path);
            }
            return number;
        } catch (NumberFormatException e) {
            problem(path, "'" + text + "' is not " + (type == double.class ? "a finite number"
                    : type == int.class ? "an integer (32-bit)" : "an integer (64-bit)"));
            return node;
        }
    }

    private JsonNode enumLabel(Class<?> type, String text, String path) {
        List<String> labels = ConfigSchema.enumLabels(type);
        for (Object constant : type.getEnumConstants()) {
            ConfigEnum e = (ConfigEnum) constant;
            if (e.label().equalsIgnoreCase(text) || e.name().equalsIgnoreCase(text)) {
                return TextNode.valueOf(e.label());
            }
        }
        problem(path, "'" + text + "' is not allowed; allowed values: " + String.join(", ", labels)
                + KeySuggester.didYouMean(text, labels));
        return NullNode.instance;
    }

    /**
     * A list of strings: a YAML list, or one string (from YAML or {@code --set}) as a list of one element, never split
     * (a model spec's layers hold commas: {@code conv2d(16, 5, stride=2)}); a blank string is the empty list.
     */
    private JsonNode strings(JsonNode node, String path) {
        ArrayNode out = NODES.arrayNode();
        if (node.isArray()) {
            for (JsonNode item : node) {
                if (!item.isValueNode() || item.isNull()) {
                    problem(path, "must be a list of strings, not one holding a " + (item.isNull() ? "null"
                            : item.isArray() ? "nested list" : "mapping"));
                    return node;
                }
                out.add(item.asText());
            }
        } else if (!node.asText().isBlank()) {
            out.add(node.asText());
        }
        return out;
    }

    /** A list of numbers from YAML ([0.9, 0.999]) or from {@code --set} text (0.9,0.999 or [0.9,0.999]). */
    private JsonNode numbers(JsonNode node, String path, Class<?> element) {
        List<String> items = new ArrayList<>();
        if (node.isArray()) {
            for (JsonNode item : node) {
                if (!item.isValueNode()) {
                    problem(path, "must be a list of numbers, not a nested " + (item.isArray() ? "list" : "mapping"));
                    return node;
                }
                items.add(item.asText().trim());
            }
        } else {
            String text = node.asText().trim();
            if (text.startsWith("[") && text.endsWith("]")) {
                text = text.substring(1, text.length() - 1);
            }
            for (String item : text.split(",", -1)) {
                items.add(item.trim());
            }
        }
        if (items.size() == 1 && items.get(0).isEmpty()) {
            return NODES.arrayNode(); // "--set data.shape=" or "[]": the empty list
        }
        ArrayNode out = NODES.arrayNode();
        for (String item : items) {
            try {
                if (element == Integer.class) {
                    out.add(Integer.parseInt(item));
                } else {
                    out.add(finite(item));
                }
            } catch (NumberFormatException e) {
                problem(path, "'" + item + "' is not " + (element == Integer.class ? "an integer" : "a finite number")
                        + " (a list is written " + (element == Integer.class ? "[1, 28, 28] in YAML or 1,28,28" : "[0.9, 0.999] in YAML or 0.9,0.999")
                        + " with --set)");
                return node;
            }
        }
        return out;
    }

    private static double finite(String text) {
        double d = Double.parseDouble(text);
        if (!Double.isFinite(d)) {
            throw new NumberFormatException(text);
        }
        return d;
    }

    private void checkRange(Range range, double value, String path) {
        boolean low = range.minExclusive() ? value > range.min() : value >= range.min();
        boolean high = range.maxExclusive() ? value < range.max() : value <= range.max();
        if (!(low && high)) {
            problem(path, "out of range: got " + format(value) + ", allowed " + rangeText(range, path));
        }
    }

    /** {@code 0 < optimizer.lr <= 100}, {@code training.epochs >= 1}. */
    static String rangeText(Range range, String path) {
        String min = format(range.min()) + (range.minExclusive() ? " < " : " <= ");
        String max = (range.maxExclusive() ? " < " : " <= ") + format(range.max());
        if (range.max() == Double.POSITIVE_INFINITY) {
            return path + (range.minExclusive() ? " > " : " >= ") + format(range.min());
        }
        return (range.min() == Double.NEGATIVE_INFINITY ? "" : min) + path + max;
    }

    /** A number as a person writes it: 0, 0.01, 1048576. */
    static String format(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
