package io.sparkgrad.job;

import io.sparkgrad.conf.BuildInfo;
import io.sparkgrad.conf.Scaling;
import io.sparkgrad.io.Safetensors;
import io.sparkgrad.io.SafetensorsFile;
import io.sparkgrad.tensor.Tensor;
import io.sparkgrad.trainer.ParameterSlice;
import io.sparkgrad.nn.spec.ModelSpec;
import io.sparkgrad.nn.spec.ModelSpecException;
import io.sparkgrad.nn.spec.NamedSpec;
import io.sparkgrad.nn.spec.SavedModel;
import io.sparkgrad.trainer.engine.ModuleReplica;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * A trained model as a safetensors file with PyTorch's state-dict names and layouts ({@code 0.weight} of shape
 * {@code [16, 1, 3, 3]}, a {@code Linear} weight as {@code [out, in]}), so that
 * {@code model.load_state_dict(safetensors.torch.load_file("model.safetensors"))} loads it into a
 * {@code torch.nn.Sequential} of the same layers. The header's metadata says {@code format: pt} (as PyTorch's
 * safetensors files do) and makes the file self-describing as {@link SavedModel} does: the model spec
 * ({@code sparkgrad.spec}) and one sample's input shape ({@code sparkgrad.input_shape}), so that {@code evaluate},
 * {@code predict}, {@code export-pytorch} and {@code SavedModel.load} need no model flags. It also records the named
 * model's name (for a named model) and the pixel scaling the model was trained with.
 */
public final class ModelFile {
    /** Metadata key: the named model's name ({@code mnist-cnn}); absent for a model given by its layers. */
    public static final String MODEL = SavedModel.MODEL_NAME;
    /** Metadata key: the pixel scaling ({@code div255}). */
    public static final String SCALING = "sparkgrad.scaling";
    /** Metadata key: the Sparkgrad version that wrote the file. */
    public static final String VERSION = "sparkgrad.version";

    /**
     * A model file as read.
     *
     * @param path     where it was read from
     * @param tensors  the tensors by name, in file order
     * @param metadata the header's string metadata
     */
    public record Loaded(String path, LinkedHashMap<String, Tensor> tensors, Map<String, String> metadata) {
    }

    private ModelFile() {
    }

    /**
     * Writes the flat {@code parameters} laid out by {@code layout} as one tensor per slice (the state dict of
     * {@code model}'s spec), with {@link SavedModel#metadata}, the scaling and the version in the metadata.
     */
    public static void save(String path, List<ParameterSlice> layout, float[] parameters, JobModel model, Scaling scaling,
                            Configuration conf) throws IOException {
        LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
        for (ParameterSlice s : layout) {
            float[] values = Arrays.copyOfRange(parameters, s.offset(), s.offset() + s.size());
            tensors.put(s.name(), Tensor.of(values, s.shape()));
        }
        Map<String, String> metadata = new LinkedHashMap<>(SavedModel.metadata(model.spec(), model.inputShape()));
        if (NamedSpec.find(model.label()).isPresent()) {
            metadata.put(MODEL, model.label());
        }
        metadata.put(SCALING, scaling.label());
        metadata.put(VERSION, BuildInfo.version());
        OutputFiles.write(path, conf, out -> Safetensors.save(tensors, metadata, out));
    }

    /** Reads a safetensors file from any Hadoop path. */
    public static Loaded read(String path, Configuration conf) throws IOException {
        Path p = new Path(path);
        SafetensorsFile f;
        try (InputStream in = p.getFileSystem(conf).open(p)) {
            f = Safetensors.read(in);
        } catch (java.io.FileNotFoundException e) {
            throw new java.io.FileNotFoundException("model file " + path + " does not exist");
        }
        return new Loaded(path, f.tensors(), f.metadata());
    }

    /**
     * The model's flat parameters (the trainer's layout) from a file's tensors: the file must hold exactly the
     * model's parameters with the model's shapes, else the error lists every missing, unexpected or misshapen one.
     */
    public static float[] flatParameters(JobModel model, Loaded file) {
        try (ModuleReplica replica = (ModuleReplica) model.factory(0).create(1)) {
            try {
                replica.model().loadStateDict(file.tensors(), true);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the model file " + file.path() + " does not fit the model " + model
                        + ": " + e.getMessage(), e);
            }
            return replica.getParameters();
        }
    }

    /**
     * The model a file holds: with {@code option} ({@code --model}: a named model or a spec, for files without a spec
     * in their metadata), that one on its named input shape, the file's, or {@code fallbackShape}; else the spec and
     * input shape of the file's metadata, else the named model it records, else {@code fallback} (the configuration's
     * model) on {@code fallbackShape}.
     */
    public static JobModel model(Loaded file, String option, ModelSpec fallback, int[] fallbackShape, String fallbackLabel) {
        Map<String, String> meta = file.metadata();
        if (option != null) {
            ModelSpec spec;
            try {
                spec = NamedSpec.resolve(option);
            } catch (ModelSpecException e) {
                throw new IllegalArgumentException("--model: unknown model '" + option + "': not one of " + NamedSpec.names()
                        + ", nor a model spec (" + e.getMessage() + ")", e);
            }
            var named = NamedSpec.find(option);
            int[] shape = named.isPresent() ? named.get().inputShapeArray()
                    : meta.containsKey(SavedModel.INPUT_SHAPE) ? shape(meta.get(SavedModel.INPUT_SHAPE), file.path())
                    : fallbackShape;
            if (shape == null) {
                throw new IllegalArgumentException("--model: " + file.path() + " records no input shape; give it with "
                        + "--set model.inputShape=[...]");
            }
            return JobModel.of(spec, shape, named.map(NamedSpec::name).orElse("spec"), "--model");
        }
        SavedModel saved = SavedModel.from(new SafetensorsFile(file.tensors(), meta), file.path(), fallbackShape == null ? null : fallback,
                fallbackShape);
        String label = meta.containsKey(MODEL) ? meta.get(MODEL) : meta.containsKey(SavedModel.SPEC) ? "spec" : fallbackLabel;
        return JobModel.of(saved.spec(), saved.inputShape(), label, file.path());
    }

    /** An input shape as the metadata writes it: {@code [1, 28, 28]}. */
    private static int[] shape(String text, String source) {
        String inner = text.strip();
        if (inner.startsWith("[") && inner.endsWith("]")) {
            inner = inner.substring(1, inner.length() - 1);
        }
        try {
            return Arrays.stream(inner.split(",")).map(String::strip).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(source + ": the input shape '" + text + "' in " + SavedModel.INPUT_SHAPE
                    + " is not a list of integers", e);
        }
    }
}
