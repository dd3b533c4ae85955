package io.sparkgrad.nn.spec;

import io.sparkgrad.io.Safetensors;
import io.sparkgrad.io.SafetensorsFile;
import io.sparkgrad.nn.Module;
import io.sparkgrad.nn.Sequential;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Shape;
import io.sparkgrad.tensor.Tensor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A self-describing model file: a safetensors file with PyTorch's state-dict names whose {@code __metadata__} also
 * carries the model spec (canonical text) and the input shape, so that it loads with no further information:
 *
 * <pre>
 *   "__metadata__": {"format": "pt", "sparkgrad.format_version": "1",
 *                    "sparkgrad.spec": "conv2d(16, 5, stride=2, padding=2) relu ... linear(10)",
 *                    "sparkgrad.input_shape": "[1, 28, 28]"}
 * </pre>
 *
 * A file written before specs existed names one of the built-in models in {@code sparkgrad.model} instead, which
 * {@link #load} resolves through {@link NamedSpec}.
 *
 * @param spec       the layers
 * @param inputShape one sample's shape, without the batch dimension
 * @param module     the model built from {@code spec}, holding the file's weights (in training mode, as built)
 */
public record SavedModel(ModelSpec spec, int[] inputShape, Sequential module) {
    /** Metadata key: the model spec's canonical text. */
    public static final String SPEC = "sparkgrad.spec";
    /** Metadata key: one sample's shape as a JSON array, {@code [1, 28, 28]}. */
    public static final String INPUT_SHAPE = "sparkgrad.input_shape";
    /** Metadata key: the version of this metadata layout. */
    public static final String FORMAT_VERSION = "sparkgrad.format_version";
    /** Metadata key of files written before specs: the built-in model's name. */
    public static final String MODEL_NAME = "sparkgrad.model";
    /** The metadata layout this code writes and reads. */
    public static final String CURRENT_FORMAT_VERSION = "1";

    public SavedModel {
        Objects.requireNonNull(spec, "spec");
        inputShape = inputShape.clone();
        Objects.requireNonNull(module, "module");
    }

    @Override
    public int[] inputShape() {
        return inputShape.clone();
    }

    /** The metadata that makes a model file self-describing (with {@code format: pt}, as PyTorch's files have). */
    public static Map<String, String> metadata(ModelSpec spec, int[] inputShape) {
        spec.shapes(inputShape);
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put(FORMAT_VERSION, CURRENT_FORMAT_VERSION);
        metadata.put(SPEC, spec.toString());
        metadata.put(INPUT_SHAPE, Shape.format(inputShape));
        return metadata;
    }

    /**
     * Writes {@code module}'s state dict with the spec and input shape in the metadata. The module must be the spec's
     * model: the same state-dict names and shapes, else nothing is written and the error lists the differences.
     */
    public static void save(Path path, ModelSpec spec, int[] inputShape, Module module) throws IOException {
        Safetensors.save(checkedState(spec, inputShape, module), metadata(spec, inputShape), path);
    }

    /** As {@link #save(Path, ModelSpec, int[], Module)}, to a stream (flushed, not closed). */
    public static void save(OutputStream out, ModelSpec spec, int[] inputShape, Module module) throws IOException {
        Safetensors.save(checkedState(spec, inputShape, module), metadata(spec, inputShape), out);
    }

    private static Map<String, Tensor> checkedState(ModelSpec spec, int[] inputShape, Module module) {
        LinkedHashMap<String, Tensor> state = module.stateDict();
        LinkedHashMap<String, Tensor> expected = spec.build(new Generator(0), new Generator(0), inputShape).stateDict();
        StringBuilder diff = new StringBuilder();
        for (Map.Entry<String, Tensor> e : expected.entrySet()) {
            Tensor t = state.get(e.getKey());
            if (t == null) {
                diff.append("\n\tmissing ").append(e.getKey()).append(' ').append(Shape.format(e.getValue().shape()));
            } else if (!Arrays.equals(t.shape(), e.getValue().shape())) {
                diff.append("\n\t").append(e.getKey()).append(" is ").append(Shape.format(t.shape())).append(", the spec makes it ")
                        .append(Shape.format(e.getValue().shape()));
            }
        }
        for (String key : state.keySet()) {
            if (!expected.containsKey(key)) {
                diff.append("\n\tunexpected ").append(key);
            }
        }
        if (diff.length() > 0) {
            throw new IllegalArgumentException("the module is not the model of the spec '" + spec + "' on input shape "
                    + Shape.format(inputShape) + ":" + diff);
        }
        return state;
    }

    /** Reads a self-describing model file; see {@link #from}. */
    public static SavedModel load(Path path) throws IOException {
        return from(Safetensors.read(path), path.toString(), null, null);
    }

    /** Reads a model file, using {@code spec} and {@code inputShape} where its metadata has none (both or neither null). */
    public static SavedModel load(Path path, ModelSpec spec, int[] inputShape) throws IOException {
        return from(Safetensors.read(path), path.toString(), spec, inputShape);
    }

    /**
     * The model in a model file's content: the spec and input shape from its metadata (else the built-in model it
     * names, else {@code fallbackSpec} and {@code fallbackInputShape}), built and loaded strictly with the file's
     * tensors. Errors name {@code source}: a file without a spec, metadata that does not parse, tensors that do not
     * fit the spec.
     */
    public static SavedModel from(SafetensorsFile file, String source, ModelSpec fallbackSpec, int[] fallbackInputShape) {
        if ((fallbackSpec == null) != (fallbackInputShape == null)) {
            throw new IllegalArgumentException("give both a fallback spec and its input shape, or neither");
        }
        Map<String, String> metadata = file.metadata();
        ModelSpec spec;
        int[] inputShape;
        String version = metadata.get(FORMAT_VERSION);
        if (version != null && !version.equals(CURRENT_FORMAT_VERSION)) {
            throw new IllegalArgumentException(source + " has " + FORMAT_VERSION + " " + version + ", this Sparkgrad reads version "
                    + CURRENT_FORMAT_VERSION + "; use a newer Sparkgrad");
        }
        if (metadata.containsKey(SPEC)) {
            try {
                spec = ModelSpec.parse(metadata.get(SPEC));
            } catch (ModelSpecException e) {
                throw new IllegalArgumentException("the model spec in the metadata of " + source + " is invalid: " + e.getMessage(), e);
            }
            String shape = metadata.get(INPUT_SHAPE);
            if (shape == null) {
                throw new IllegalArgumentException(source + " has a model spec but no " + INPUT_SHAPE + " in its metadata");
            }
            inputShape = parseShape(shape, source);
        } else if (metadata.containsKey(MODEL_NAME) && NamedSpec.find(metadata.get(MODEL_NAME)).isPresent()) {
            NamedSpec named = NamedSpec.byName(metadata.get(MODEL_NAME));
            spec = named.spec();
            inputShape = named.inputShapeArray();
        } else if (fallbackSpec != null) {
            spec = fallbackSpec;
            inputShape = fallbackInputShape.clone();
        } else {
            throw new IllegalArgumentException(source + " was saved without a model spec (its metadata has no " + SPEC + "); pass "
                    + "--model with a spec or one of " + String.join(", ", NamedSpec.names()) + ", and --input-shape");
        }
        Sequential module;
        try {
            module = spec.build(new Generator(0), new Generator(0), inputShape);
        } catch (ModelSpecException e) {
            throw new IllegalArgumentException("the model of " + source + " does not fit its input shape: " + e.getMessage(), e);
        }
        try {
            module.loadStateDict(file.tensors(), true);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the tensors of " + source + " do not fit the model '" + spec + "' on input shape "
                    + Shape.format(inputShape) + ": " + e.getMessage(), e);
        }
        return new SavedModel(spec, inputShape, module);
    }

    /** {@code [1, 28, 28]} (spaces optional) as an array. */
    static int[] parseShape(String text, String source) {
        String t = text.strip();
        if (!t.startsWith("[") || !t.endsWith("]") || t.length() < 3) {
            throw new IllegalArgumentException(source + ": " + INPUT_SHAPE + " must be a list of sizes like [1, 28, 28], got '" + text + "'");
        }
        String[] parts = t.substring(1, t.length() - 1).split(",");
        int[] shape = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                shape[i] = Integer.parseInt(parts[i].strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(source + ": " + INPUT_SHAPE + " must be a list of sizes like [1, 28, 28], got '" + text
                        + "'", e);
            }
        }
        return shape;
    }
}
