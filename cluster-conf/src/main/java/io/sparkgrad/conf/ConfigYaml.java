package io.sparkgrad.conf;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** YAML in and out: parses configuration layers into trees and renders a {@link JobConfig} as YAML. */
final class ConfigYaml {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final YAMLMapper MAPPER = new YAMLMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            // "optimizer:" with nothing under it is null (an empty section), not the empty string.
            .enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL)
            .build());

    private ConfigYaml() {
    }

    /**
     * Parses one YAML document that must be a mapping (or empty). Syntax errors become a
     * {@link ConfigException} naming {@code origin} and the line.
     */
    static ObjectNode parse(String text, String origin) {
        JsonNode node;
        try {
            node = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new ConfigException(new ConfigProblem("", origin,
                    "not valid YAML" + where + ": " + e.getOriginalMessage()));
        }
        if (node == null || node.isMissingNode() || node.isNull()) {
            return NODES.objectNode();
        }
        if (!node.isObject()) {
            throw new ConfigException(new ConfigProblem("", origin,
                    "the document must be a mapping of sections (model:, data:, optimizer:, ...), not "
                            + (node.isArray() ? "a list" : "the single value '" + node.asText() + "'")));
        }
        return (ObjectNode) node;
    }

    /** Renders {@code config} as YAML in the shape of a configuration file. */
    static String render(JobConfig config) {
        try {
            return MAPPER.writeValueAsString(toTree(config));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Renders any tree as YAML. */
    static String render(JsonNode tree) {
        try {
            return MAPPER.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The tree of a configuration record: component names as keys, enums as labels, maps sorted. */
    static ObjectNode toTree(Record record) {
        ObjectNode out = NODES.objectNode();
        for (RecordComponent c : record.getClass().getRecordComponents()) {
            Object value;
            try {
                value = c.getAccessor().invoke(record);
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read " + c, e);
            }
            out.set(c.getName(), toNode(value));
        }
        return out;
    }

    private static JsonNode toNode(Object value) {
        if (value == null) {
            return NODES.nullNode();
        }
        if (value instanceof Record r) {
            return toTree(r);
        }
        if (value instanceof ConfigEnum e) {
            return NODES.textNode(e.label());
        }
        if (value instanceof Map<?, ?> m) {
            ObjectNode node = NODES.objectNode();
            new TreeMap<>(m).forEach((k, v) -> node.set(String.valueOf(k), toNode(v)));
            return node;
        }
        if (value instanceof List<?> list) {
            ArrayNode node = NODES.arrayNode();
            list.forEach(v -> node.add(toNode(v)));
            return node;
        }
        if (value instanceof Integer i) {
            return NODES.numberNode(i);
        }
        if (value instanceof Long l) {
            return NODES.numberNode(l);
        }
        if (value instanceof Double d) {
            return NODES.numberNode(d);
        }
        if (value instanceof Boolean b) {
            return NODES.booleanNode(b);
        }
        return NODES.textNode(value.toString());
    }
}
