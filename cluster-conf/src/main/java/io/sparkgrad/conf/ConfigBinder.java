package io.sparkgrad.conf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Turns the merged configuration tree into {@link JobConfig} records: rejects unknown keys (naming the
 * nearest valid one), converts values to their declared types (text from {@code --set} or quoted YAML
 * included), checks {@link Range}s, and reports every problem with the path and the layer it came from.
 */
final class ConfigBinder {
    private final Function<String, String> originOf;
    private final List<ConfigProblem> problems = new ArrayList<>();

    private ConfigBinder(Function<String, String> originOf) {
        this.originOf = originOf;
    }

    /** Binds {@code tree}; throws a {@link ConfigException} listing every problem. */
    static JobConfig bind(JsonNode tree, Function<String, String> originOf) {
        ConfigBinder binder = new ConfigBinder(originOf);
        Object config = binder.section(ConfigSchema.ROOT, tree, "");
        if (!binder.problems.isEmpty()) {
            throw new ConfigException(binder.problems);
        }
        return (JobConfig) config;
    }

    private void problem(String path, String message) {
        problems.add(new ConfigProblem(path, originOf.apply(path), message));
    }

    private Object section(ConfigSchema.Section section, JsonNode node, String prefix) {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!section.children().containsKey(name)) {
                String nearest = KeySuggester.nearest(section, prefix, name);
                problem(prefix + name, "unknown key; did you mean " + nearest + "?");
            }
        }
        RecordComponent[] components = section.type().getRecordComponents();
        Object[] values = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        boolean complete = true;
        for (int i = 0; i < components.length; i++) {
            String name = components[i].getName();
            String path = prefix + name;
            types[i] = components[i].getType();
            JsonNode child = node.get(name);
            ConfigSchema.Node schema = section.children().get(name);
            int before = problems.size();
            if (schema instanceof ConfigSchema.Section s) {
                values[i] = child != null && child.isObject()
                        ? section(s, child, path + ".")
                        : sectionMismatch(s, child, path);
            } else if (schema instanceof ConfigSchema.FreeMap) {
                values[i] = freeMap(child, path);
            } else {
                values[i] = leaf((ConfigSchema.Leaf) schema, child, path);
            }
            complete &= problems.size() == before;
        }
        if (!complete) {
            return null;
        }
        try {
            Constructor<?> ctor = section.type().getDeclaredConstructor(types);
            return ctor.newInstance(values);
        } catch (InvocationTargetException e) {
            problem(prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1),
                    String.valueOf(e.getCause().getMessage()));
            return null;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot build " + section.type(), e);
        }
    }

    private Object sectionMismatch(ConfigSchema.Section s, JsonNode child, String path) {
        List<String> keys = new ArrayList<>(s.children().keySet());
        problem(path, "must be a section with the keys " + String.join(", ", keys) + ", not "
                + (child == null ? "missing" : "the value '" + child.asText() + "'"));
        return null;
    }

    private Map<String, String> freeMap(JsonNode node, String path) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isObject()) {
            problem(path, "must be a mapping of Spark settings (spark.executor.memory: 4g), not '"
                    + node.asText() + "'");
            return out;
        }
        node.fields().forEachRemaining(e -> {
            JsonNode v = e.getValue();
            if (v.isNull()) {
                return; // a null entry removes a setting a lower layer (a preset) made
            }
            if (!v.isValueNode()) {
                problem(path + "." + e.getKey(), "a Spark setting must be a single value, not a "
                        + (v.isArray() ? "list" : "mapping"));
                return;
            }
            out.put(e.getKey(), v.asText());
        });
        return out;
    }

    private Object leaf(ConfigSchema.Leaf leaf, JsonNode node, String path) {
        Class<?> type = leaf.type();
        if (node == null || node.isNull()) {
            if (type.isPrimitive() || type.isEnum() || leaf.isListOfDouble()) {
                problem(path, "missing required value (" + ConfigSchema.describe(leaf) + ")");
            }
            return type.isPrimitive() ? zero(type) : null;
        }
        if (!node.isValueNode() && !(leaf.isListOfDouble() && node.isArray())) {
            problem(path, "must be " + ConfigSchema.describe(leaf) + ", not a "
                    + (node.isArray() ? "list" : "mapping"));
            return type.isPrimitive() ? zero(type) : null;
        }
        if (type == String.class) {
            // An empty value ("--set output.checkpointDir=") means "not given", like null.
            return node.asText().isBlank() ? null : node.asText();
        }
        if (type.isEnum()) {
            return enumValue(type, node.asText(), path);
        }
        if (type == boolean.class) {
            return bool(node, path);
        }
        if (leaf.isListOfDouble()) {
            return doubles(node, path);
        }
        Object value = number(type, node, path);
        if (value != null && leaf.range() != null) {
            checkRange(leaf.range(), ((Number) value).doubleValue(), path);
        }
        return value == null ? zero(type) : value;
    }

    private Object enumValue(Class<?> type, String text, String path) {
        String wanted = text.trim();
        for (Object constant : type.getEnumConstants()) {
            ConfigEnum e = (ConfigEnum) constant;
            if (e.label().equalsIgnoreCase(wanted) || e.name().equalsIgnoreCase(wanted)) {
                return constant;
            }
        }
        List<String> labels = ConfigSchema.enumLabels(type);
        problem(path, "'" + text + "' is not allowed; allowed values: " + String.join(", ", labels)
                + KeySuggester.didYouMean(wanted, labels));
        return null;
    }

    private boolean bool(JsonNode node, String path) {
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        String text = node.asText().trim().toLowerCase(Locale.ROOT);
        if (text.equals("true") || text.equals("false")) {
            return Boolean.parseBoolean(text);
        }
        problem(path, "'" + node.asText() + "' is not a boolean; allowed values: true, false");
        return false;
    }

    private Object number(Class<?> type, JsonNode node, String path) {
        String text = node.asText().trim();
        try {
            if (type == int.class) {
                if (node.isNumber() && !node.isIntegralNumber() || node.isNumber() && !node.canConvertToInt()) {
                    throw new NumberFormatException();
                }
                return node.isNumber() ? node.intValue() : Integer.parseInt(text);
            }
            if (type == long.class) {
                if (node.isNumber() && !(node.isIntegralNumber() && node.canConvertToLong())) {
                    throw new NumberFormatException();
                }
                return node.isNumber() ? node.longValue() : Long.parseLong(text);
            }
            double d = node.isNumber() ? node.doubleValue() : Double.parseDouble(text);
            if (!Double.isFinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            String kind = type == double.class ? "a finite number" : type == int.class
                    ? "an integer (32-bit)" : "an integer (64-bit)";
            problem(path, "'" + text + "' is not " + kind);
            return null;
        }
    }

    private List<Double> doubles(JsonNode node, String path) {
        List<String> items = new ArrayList<>();
        if (node.isArray()) {
            for (JsonNode item : (ArrayNode) node) {
                if (!item.isValueNode()) {
                    problem(path, "must be a list of numbers, not a nested " + (item.isArray() ? "list" : "mapping"));
                    return null;
                }
                items.add(item.asText());
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
        List<Double> out = new ArrayList<>();
        for (String item : items) {
            try {
                double d = Double.parseDouble(item);
                if (!Double.isFinite(d)) {
                    throw new NumberFormatException();
                }
                out.add(d);
            } catch (NumberFormatException e) {
                problem(path, "'" + item + "' is not a finite number (a list is written [0.9, 0.999] in YAML or "
                        + "0.9,0.999 with --set)");
                return null;
            }
        }
        return out;
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
        StringBuilder sb = new StringBuilder();
        boolean hasMin = range.min() != Double.NEGATIVE_INFINITY;
        boolean hasMax = range.max() != Double.POSITIVE_INFINITY;
        if (hasMin && hasMax) {
            sb.append(format(range.min())).append(range.minExclusive() ? " < " : " <= ").append(path)
                    .append(range.maxExclusive() ? " < " : " <= ").append(format(range.max()));
        } else if (hasMin) {
            sb.append(path).append(range.minExclusive() ? " > " : " >= ").append(format(range.min()));
        } else {
            sb.append(path).append(range.maxExclusive() ? " < " : " <= ").append(format(range.max()));
        }
        return sb.toString();
    }

    static String format(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    private static Object zero(Class<?> type) {
        if (type == int.class) {
            return 0;
        }
        if (type == long.class) {
            return 0L;
        }
        if (type == double.class) {
            return 0.0;
        }
        if (type == boolean.class) {
            return false;
        }
        return null;
    }
}
