package io.sparkgrad.conf;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shape of {@link JobConfig}, read once from its record components: sections (nested records),
 * leaves (typed values) and free maps (the pass-through Spark settings). Keys are the record component
 * names, so the YAML keys and the Java accessors can never drift apart.
 */
final class ConfigSchema {

    /** A node of the schema. */
    sealed interface Node permits Section, Leaf, FreeMap {
    }

    /** A nested record; its children in declaration order. */
    record Section(Class<? extends Record> type, Map<String, Node> children) implements Node {
    }

    /**
     * A typed value: String, int, long, double, boolean, a {@link ConfigEnum}, or a list of Double, Integer or String
     * ({@code element} is the list's element type, null for a single value).
     */
    record Leaf(Class<?> type, Range range, Class<?> element) implements Node {
        boolean isList() {
            return type == List.class;
        }
    }

    /** A map of free string keys to string values. */
    record FreeMap() implements Node {
    }

    static final Section ROOT = section(JobConfig.class);

    private ConfigSchema() {
    }

    @SuppressWarnings("unchecked")
    private static Section section(Class<? extends Record> type) {
        Map<String, Node> children = new LinkedHashMap<>();
        for (RecordComponent c : type.getRecordComponents()) {
            Class<?> t = c.getType();
            Node node;
            if (t.isRecord()) {
                node = section((Class<? extends Record>) t);
            } else if (t == Map.class) {
                node = new FreeMap();
            } else if (t == List.class) {
                node = new Leaf(t, c.getAnnotation(Range.class), listElement(c));
            } else {
                node = new Leaf(t, c.getAnnotation(Range.class), null);
            }
            children.put(c.getName(), node);
        }
        return new Section(type, Collections.unmodifiableMap(children));
    }

    private static Class<?> listElement(RecordComponent c) {
        String type = c.getGenericType().getTypeName();
        for (Class<?> e : List.of(Double.class, Integer.class, String.class)) {
            if (type.equals("java.util.List<" + e.getName() + ">")) {
                return e;
            }
        }
        throw new IllegalStateException("only lists of Double, Integer or String are supported, not " + c);
    }

    /** Every leaf and free-map path, in declaration order ({@code optimizer.lr}, {@code spark.conf}). */
    static List<String> leafPaths() {
        List<String> out = new ArrayList<>();
        collect(ROOT, "", out);
        return out;
    }

    private static void collect(Section section, String prefix, List<String> out) {
        section.children().forEach((name, node) -> {
            String path = prefix + name;
            if (node instanceof Section s) {
                collect(s, path + ".", out);
            } else {
                out.add(path);
            }
        });
    }

    /** A short description of what a leaf accepts, for messages and {@code config --keys}. */
    static String describe(Leaf leaf) {
        Class<?> t = leaf.type();
        if (t.isEnum()) {
            return "one of " + String.join(", ", enumLabels(t));
        }
        if (t == int.class || t == long.class) {
            return "an integer";
        }
        if (t == double.class) {
            return "a number";
        }
        if (t == boolean.class) {
            return "true or false";
        }
        if (leaf.isList()) {
            return leaf.element() == Double.class ? "a list of numbers"
                    : leaf.element() == Integer.class ? "a list of integers" : "a string or a list of strings";
        }
        return "a string";
    }

    static List<String> enumLabels(Class<?> enumType) {
        List<String> labels = new ArrayList<>();
        for (Object constant : enumType.getEnumConstants()) {
            labels.add(((ConfigEnum) constant).label());
        }
        return labels;
    }
}
