package io.sparkgrad.job;

import io.sparkgrad.conf.BuildInfo;
import io.sparkgrad.conf.Scaling;
import io.sparkgrad.io.Safetensors;
import io.sparkgrad.io.SafetensorsFile;
import io.sparkgrad.tensor.Tensor;
import io.sparkgrad.trainer.ParameterSlice;
import io.sparkgrad.trainer.engine.MnistModels;
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
 * safetensors files do) and records the model's name and the pixel scaling it was trained with, which
 * {@code evaluate} and {@code predict} use when not told otherwise.
 */
public final class ModelFile {
    /** Metadata key: the model zoo name ({@code mnist-cnn}). */
    public static final String MODEL = "sparkgrad.model";
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

    /** Writes the flat {@code parameters} laid out by {@code layout} as one tensor per slice, with metadata. */
    public static void save(String path, List<ParameterSlice> layout, float[] parameters, String model, Scaling scaling,
                            Configuration conf) throws IOException {
        LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
        for (ParameterSlice s : layout) {
            float[] values = Arrays.copyOfRange(parameters, s.offset(), s.offset() + s.size());
            tensors.put(s.name(), Tensor.of(values, s.shape()));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put(MODEL, model);
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
    public static float[] flatParameters(MnistModels model, Loaded file) {
        try (ModuleReplica replica = (ModuleReplica) ModuleReplica.factory(model, 0).create(1)) {
            try {
                replica.model().loadStateDict(file.tensors(), true);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the model file " + file.path() + " does not fit the model " + model.id()
                        + ": " + e.getMessage(), e);
            }
            return replica.getParameters();
        }
    }

    /** The model a file names in its metadata, else {@code fallback}. */
    public static String modelName(Loaded file, String fallback) {
        return file.metadata().getOrDefault(MODEL, fallback);
    }
}
