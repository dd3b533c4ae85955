package io.sparkgrad.job;

import io.sparkgrad.conf.ConfigEnum;
import io.sparkgrad.conf.JobConfig;
import io.sparkgrad.conf.ModelConfig;
import io.sparkgrad.conf.Scaling;
import io.sparkgrad.nn.spec.NamedSpec;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;

/**
 * A model file made ready to run: its model (spec and input shape), its flat parameters and the pixel scaling its
 * inputs need. The model and scaling are, in order of precedence, the ones given on the command line, the ones the
 * file's metadata records (every file the job writes has them), and the configuration's {@code model.layers} or
 * {@code model.name} (with {@code model.inputShape}) and {@code data.scaling} (for a file written elsewhere,
 * PyTorch's included).
 *
 * @param path       the file
 * @param model      the model
 * @param parameters its flat parameters
 * @param scaling    the pixel scaling
 */
public record SavedModel(String path, JobModel model, float[] parameters, Scaling scaling) {

    /** Reads {@code path} and fits it to its model; errors name the file and every tensor that does not fit. */
    public static SavedModel load(String path, String modelOption, Scaling scalingOption, JobConfig config, Configuration conf)
            throws IOException {
        ModelFile.Loaded file = ModelFile.read(path, conf);
        ModelConfig m = config.model();
        int[] shape = m.inputShapeArray();
        if (shape == null && !m.hasLayers()) {
            shape = NamedSpec.find(m.name()).map(NamedSpec::inputShapeArray).orElse(null);
        }
        JobModel model;
        try {
            model = ModelFile.model(file, modelOption, m.spec(), shape, m.label());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("model of " + path + ": " + e.getMessage(), e);
        }
        Scaling scaling = scalingOption != null ? scalingOption : scaling(file, config.data().scaling());
        return new SavedModel(path, model, ModelFile.flatParameters(model, file), scaling);
    }

    private static Scaling scaling(ModelFile.Loaded file, Scaling fallback) {
        String label = file.metadata().get(ModelFile.SCALING);
        if (label == null) {
            return fallback;
        }
        for (Scaling s : Scaling.values()) {
            if (s.label().equals(label)) {
                return s;
            }
        }
        throw new IllegalArgumentException("model file " + file.path() + " records the pixel scaling '" + label
                + "', which is none of " + java.util.Arrays.stream(Scaling.values()).map(ConfigEnum::label).toList()
                + "; give one with --scaling");
    }
}
