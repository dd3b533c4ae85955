package io.sparkgrad.conf;

import io.sparkgrad.nn.spec.ModelSpec;
import io.sparkgrad.nn.spec.NamedSpec;
import java.io.Serializable;
import java.util.List;

/**
 * Which model to train: a named model, or the layers of a model spec, which win when given.
 *
 * @param name       one of {@link #KNOWN_MODELS} (a named spec, {@link NamedSpec}); used when {@code layers} is empty
 * @param layers     the model spec: one string ({@code linear(128) relu linear(10)}) or a YAML list with one layer per
 *                   element; empty for the named model
 * @param inputShape the shape of one sample ({@code [1, 28, 28]}); empty to take the data's (MNIST's
 *                   {@code [1, 28, 28]}, {@code data.shape}, or {@code [n]} from a flat features column)
 */
public record ModelConfig(String name, List<String> layers, List<Integer> inputShape) implements Serializable {
    /** The model names the job knows how to build. */
    public static final List<String> KNOWN_MODELS = NamedSpec.names();

    /** Copies the lists; null ones are empty. */
    public ModelConfig {
        layers = layers == null ? List.of() : List.copyOf(layers);
        inputShape = inputShape == null ? List.of() : List.copyOf(inputShape);
    }

    /** Whether the model is given by its layers ({@code model.layers}) rather than by name. */
    public boolean hasLayers() {
        return !layers.isEmpty();
    }

    /** The key that defines the model, for messages: {@code model.layers} or {@code model.name}. */
    public String key() {
        return hasLayers() ? "model.layers" : "model.name";
    }

    /**
     * The model's spec: {@code layers} parsed (a single element as a whole spec, several as one layer each), else the
     * named spec {@code name}.
     *
     * @throws io.sparkgrad.nn.spec.ModelSpecException naming the layer when the spec does not parse
     */
    public ModelSpec spec() {
        if (!hasLayers()) {
            return NamedSpec.resolve(name);
        }
        return layers.size() == 1 ? ModelSpec.parse(layers.get(0)) : ModelSpec.parse(layers);
    }

    /** The configured input shape, or null when it is left to the data. */
    public int[] inputShapeArray() {
        return inputShape.isEmpty() ? null : inputShape.stream().mapToInt(Integer::intValue).toArray();
    }

    /** A short name for the console and charts: the named model's name, or {@code spec}. */
    public String label() {
        return hasLayers() ? "spec" : name;
    }
}
