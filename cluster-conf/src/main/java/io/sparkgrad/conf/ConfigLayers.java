package io.sparkgrad.conf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The configuration tree built by merging layers in order (later wins), remembering for every value which
 * layer set it, so that an error can say "from file job.yaml" or "from --set optimizer.lr=x".
 * Mappings merge key by key (so a file's {@code spark.conf} adds to the preset's); any other value replaces.
 */
final class ConfigLayers {
    private final ObjectNode tree = JsonNodeFactory.instance.objectNode();
    private final Map<String, String> origins = new LinkedHashMap<>();

    /** Merges {@code layer} over what is there, attributing its values to {@code origin}. */
    void merge(ObjectNode layer, String origin) {
        merge(tree, layer, "", origin);
    }

    /**
     * Applies one {@code key.path=value} override. The path is split on dots following the schema; inside
     * a free map (spark.conf) the rest of the path is one key, dots and all. The value stays text; the
     * binder converts it to the type at that path.
     */
    void set(String assignment, List<ConfigProblem> problems) {
        String origin = "--set " + assignment;
        int eq = assignment.indexOf('=');
        if (eq <= 0) {
            problems.add(new ConfigProblem("", origin, "expected key.path=value, for example optimizer.lr=0.05"));
            return;
        }
        String key = assignment.substring(0, eq).trim();
        String value = assignment.substring(eq + 1);
        String[] parts = key.split("\\.", -1);
        List<String> segments = new ArrayList<>();
        ConfigSchema.Node node = ConfigSchema.ROOT;
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].isEmpty()) {
                problems.add(new ConfigProblem(key, origin, "the key has an empty segment"));
                return;
            }
            if (node instanceof ConfigSchema.FreeMap) {
                segments.add(String.join(".", List.of(parts).subList(i, parts.length)));
                node = null;
                break;
            }
            if (node instanceof ConfigSchema.Leaf) {
                String leafPath = String.join(".", segments);
                problems.add(new ConfigProblem(key, origin,
                        leafPath + " is a single value, it has no key '" + parts[i] + "'"));
                return;
            }
            segments.add(parts[i]);
            node = node instanceof ConfigSchema.Section s ? s.children().get(parts[i]) : null;
        }
        if (node instanceof ConfigSchema.Section s) {
            List<String> keys = new ArrayList<>();
            s.children().keySet().forEach(k -> keys.add(key + "." + k));
            problems.add(new ConfigProblem(key, origin,
                    key + " is a section; set one of its keys: " + String.join(", ", keys)));
            return;
        }
        if (node instanceof ConfigSchema.FreeMap) {
            problems.add(new ConfigProblem(key, origin,
                    key + " is a map of Spark settings; set one entry, for example " + key
                            + ".spark.executor.memory=4g"));
            return;
        }
        ObjectNode layer = JsonNodeFactory.instance.objectNode();
        ObjectNode at = layer;
        for (int i = 0; i < segments.size() - 1; i++) {
            at = at.putObject(segments.get(i));
        }
        at.put(segments.get(segments.size() - 1), value);
        merge(layer, origin);
    }

    ObjectNode tree() {
        return tree;
    }

    /** Which layer set {@code path} (or, for a section, the first value under it); null if none. */
    String originOf(String path) {
        String exact = origins.get(path);
        if (exact != null) {
            return exact;
        }
        String prefix = path + ".";
        for (Map.Entry<String, String> e : origins.entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                return e.getValue();
            }
        }
        return null;
    }

    /** Origins of every value, by path. */
    Map<String, String> origins() {
        return origins;
    }

    private void merge(ObjectNode target, ObjectNode layer, String prefix, String origin) {
        Iterator<Map.Entry<String, JsonNode>> fields = layer.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String path = prefix + field.getKey();
            JsonNode value = field.getValue();
            JsonNode existing = target.get(field.getKey());
            if (existing != null && existing.isObject() && value.isObject()) {
                merge((ObjectNode) existing, (ObjectNode) value, path + ".", origin);
            } else if (existing != null && existing.isObject() && value.isNull()) {
                // A section written with nothing under it ("optimizer:") changes nothing.
                continue;
            } else {
                target.set(field.getKey(), value.deepCopy());
                origins.keySet().removeIf(p -> p.startsWith(path + "."));
                record(value, path, origin);
            }
        }
    }

    private void record(JsonNode value, String path, String origin) {
        if (value.isObject() && !value.isEmpty()) {
            value.fields().forEachRemaining(f -> record(f.getValue(), path + "." + f.getKey(), origin));
        } else {
            origins.put(path, origin);
        }
    }
}
