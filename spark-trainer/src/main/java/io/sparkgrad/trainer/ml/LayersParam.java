package io.sparkgrad.trainer.ml;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkgrad.nn.spec.LayerSpec;
import io.sparkgrad.nn.spec.ModelSpec;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.Identifiable;
import scala.runtime.AbstractFunction1;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * A Spark ML {@link Param} holding a model spec ({@code "conv2d(16, 5, stride=2, padding=2) relu flatten linear(10)"}).
 * Setting it checks that the spec parses, with the spec's own message naming the bad layer (a shape mismatch only
 * shows once the input shape is known, at {@code fit}). In saved metadata its value is a JSON list of layers, one
 * string each, as a job configuration's {@code model.layers} YAML list writes it:
 * {@code ["conv2d(16, 5, stride=2, padding=2)", "relu", "flatten", "linear(10)"]}; a plain JSON string reads too.
 */
public final class LayersParam extends Param<String> {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param parent the owner (its uid is the param's parent)
     * @param name   the param's name
     * @param doc    what it is for
     */
    public LayersParam(Identifiable parent, String name, String doc) {
        super(parent, name, doc, new Parses());
    }

    @Override
    public String jsonEncode(String value) {
        try {
            return JSON.writeValueAsString(ModelSpec.parse(value).layers().stream().map(LayerSpec::toString).toList());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the model spec '" + value + "' as JSON", e);
        }
    }

    @Override
    public String jsonDecode(String json) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("param " + name() + ": '" + json + "' is not JSON", e);
        }
        if (node.isTextual()) {
            return ModelSpec.parse(node.asText()).toString();
        }
        if (node.isArray()) {
            List<String> layers = new ArrayList<>();
            for (JsonNode layer : node) {
                if (!layer.isTextual()) {
                    throw new IllegalArgumentException("param " + name() + ": layer " + layer + " in " + json + " is not a string");
                }
                layers.add(layer.asText());
            }
            return ModelSpec.parse(layers).toString();
        }
        throw new IllegalArgumentException("param " + name() + " must be a JSON list of layers or a string, got " + json);
    }

    /** The validator: the spec parses; a spec that does not throws the parser's message, which names the layer. */
    private static final class Parses extends AbstractFunction1<String, Object> implements Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public Object apply(String spec) {
            ModelSpec.parse(spec);
            return Boolean.TRUE;
        }
    }
}
