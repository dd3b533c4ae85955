package io.sparkgrad.conf;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.UncheckedIOException;

/**
 * YAML in and out with Jackson: parses configuration layers into trees, binds a checked tree to
 * {@link JobConfig} and renders one as YAML (enums as their labels, through {@link ConfigEnum#label()}).
 */
final class ConfigYaml {
    private static final YAMLMapper MAPPER = YAMLMapper.builder(YAMLFactory.builder()
                    .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                    .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                    .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    // "optimizer:" with nothing under it is null (an empty section), not the empty string.
                    .enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL)
                    .build())
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

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
            return JsonNodeFactory.instance.objectNode();
        }
        if (!node.isObject()) {
            throw new ConfigException(new ConfigProblem("", origin,
                    "the document must be a mapping of sections (model:, data:, optimizer:, ...), not "
                            + (node.isArray() ? "a list" : "the single value '" + node.asText() + "'")));
        }
        return (ObjectNode) node;
    }

    /** The tree of a configuration record, in the shape of a configuration file. */
    static ObjectNode toTree(Record config) {
        return MAPPER.valueToTree(config);
    }

    /** Binds a tree that {@link ConfigChecker} passed. */
    static JobConfig bind(JsonNode tree) {
        try {
            return MAPPER.treeToValue(tree, JobConfig.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a checked configuration does not bind: " + e.getOriginalMessage(), e);
        }
    }

    /** Renders a configuration record, or any tree, as YAML. */
    static String render(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
