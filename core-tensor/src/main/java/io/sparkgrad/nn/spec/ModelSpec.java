package io.sparkgrad.nn.spec;

import io.sparkgrad.nn.Module;
import io.sparkgrad.nn.Sequential;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Shape;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A network as a chain of layers in a compact text form with PyTorch's layer names in lower case, whose input sizes
 * are inferred from the input shape and never written:
 *
 * <pre>{@code
 * var spec = ModelSpec.parse("conv2d(16, 5, stride=2, padding=2) relu conv2d(32, 3, stride=2, padding=1) relu "
 *         + "flatten linear(128) relu linear(10)");
 * spec.outputShape(1, 28, 28);        // [10]
 * Sequential model = spec.build(1, 28, 28);  // state dict 0.weight, 0.bias, 2.weight, ..., 7.bias, as PyTorch's
 * }</pre>
 *
 * Shapes leave out the batch dimension: an image input is {@code [channels, height, width]}, a flat one
 * {@code [features]}. {@link #toString()} is the canonical text, which {@link #parse(String)} reads back to an equal
 * spec. The layers and their arguments are {@link LayerKind}'s. A spec is an immutable, serializable value, to be sent to
 * Spark executors and built there.
 *
 * @param layers the layers, in order (at least one)
 */
public record ModelSpec(List<LayerSpec> layers) implements Serializable {
    private static final long serialVersionUID = 1L;


    public ModelSpec {
        layers = List.copyOf(layers);
        if (layers.isEmpty()) {
            throw new ModelSpecException("a model spec needs at least one layer, e.g. 'flatten linear(10)'");
        }
    }

    /** The spec in {@code text}: layers separated by white space, e.g. {@code flatten linear(128) relu linear(10)}. */
    public static ModelSpec parse(String text) {
        Objects.requireNonNull(text, "text");
        return new ModelSpec(SpecParser.parse(text, 1));
    }

    /** The spec as a list with one layer per element, as a YAML list gives it ({@code - conv2d(16, 5, stride=2)}). */
    public static ModelSpec parse(List<String> layers) {
        Objects.requireNonNull(layers, "layers");
        List<LayerSpec> out = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            String element = layers.get(i);
            if (element == null || element.isBlank()) {
                throw new ModelSpecException("layer " + (i + 1) + " is empty; each list element is one layer, e.g. 'linear(10)'");
            }
            List<LayerSpec> parsed = SpecParser.parse(element, i + 1);
            if (parsed.size() != 1) {
                throw new ModelSpecException("layer " + (i + 1) + " '" + element.strip() + "' holds " + parsed.size() + " layers; give one "
                        + "layer per list element");
            }
            out.add(parsed.get(0));
        }
        return new ModelSpec(out);
    }

    /** The shape of one sample's output for one sample of shape {@code inputShape} (no batch dimension). */
    public int[] outputShape(int... inputShape) {
        int[][] shapes = shapes(inputShape);
        return shapes[shapes.length - 1];
    }

    /**
     * The shape flowing into each layer and out of the last: element {@code i} is layer {@code i+1}'s input, the last
     * element the model's output. Errors name the layer and the shapes.
     */
    public int[][] shapes(int... inputShape) {
        checkInputShape(inputShape);
        int[][] shapes = new int[layers.size() + 1][];
        shapes[0] = inputShape.clone();
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec l = layers.get(i);
            try {
                shapes[i + 1] = l.kind().outputShape(l, shapes[i]);
            } catch (IllegalArgumentException e) {
                throw new ModelSpecException(describe(i) + ": " + e.getMessage(), e);
            }
        }
        return shapes;
    }

    /** The model for samples of shape {@code inputShape}, initial weights and dropout masks from {@link Generator#global()}. */
    public Sequential build(int... inputShape) {
        return build(Generator.global(), Generator.global(), inputShape);
    }

    /**
     * The model for samples of shape {@code inputShape}: a {@link Sequential} with one child per layer, so its state
     * dict has PyTorch's names for the same {@code nn.Sequential} ({@code 0.weight}, {@code 2.bias}, ...). Initial
     * weights are drawn from {@code init} layer by layer in order, as PyTorch draws them; dropout masks from
     * {@code dropout}.
     */
    public Sequential build(Generator init, Generator dropout, int... inputShape) {
        Objects.requireNonNull(init, "init");
        Objects.requireNonNull(dropout, "dropout");
        int[][] shapes = shapes(inputShape);
        Sequential model = new Sequential();
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec l = layers.get(i);
            Module m;
            try {
                m = l.kind().build(l, shapes[i], init, dropout);
            } catch (IllegalArgumentException e) {
                throw new ModelSpecException(describe(i) + " on input shape " + Shape.format(shapes[i]) + ": " + e.getMessage(), e);
            }
            model.add(m);
        }
        return model;
    }

    /** "layer 5 linear(128)". */
    String describe(int index) {
        return "layer " + (index + 1) + " " + layers.get(index);
    }

    private static void checkInputShape(int[] inputShape) {
        Objects.requireNonNull(inputShape, "inputShape");
        if (inputShape.length == 0) {
            throw new ModelSpecException("input shape [] must have at least one dimension, e.g. [784] or [1, 28, 28] (no batch dimension)");
        }
        for (int d : inputShape) {
            if (d < 1) {
                throw new ModelSpecException("input shape " + Shape.format(inputShape) + " must have positive sizes");
            }
        }
    }

    /** The canonical text: each layer's canonical text, separated by one space. */
    @Override
    public String toString() {
        return layers.stream().map(LayerSpec::toString).collect(Collectors.joining(" "));
    }
}
