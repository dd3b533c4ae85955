package io.sparkgrad.trainer.ml;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkgrad.io.Safetensors;
import io.sparkgrad.io.SafetensorsFile;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a {@link SparkgradClassificationModel} is saved: Spark ML's metadata JSON with every param
 * ({@code path/metadata}, written by Spark's {@code DefaultParamsWriter}), the weights as safetensors by PyTorch
 * name with the spec, input shape and class count in its {@code __metadata__} ({@code path/data/model.safetensors}),
 * and the training summary as JSON ({@code path/data/summary.json}, absent when the model has none).
 */
final class ModelIO {
    static final String WEIGHTS = "model.safetensors";
    static final String SUMMARY = "summary.json";
    /** Keys of the safetensors {@code __metadata__}. */
    static final String META_LAYERS = "sparkgrad.layers";
    static final String META_INPUT_SHAPE = "sparkgrad.input_shape";
    static final String META_NUM_CLASSES = "sparkgrad.num_classes";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelIO() {
    }

    /** Writes a model. */
    static final class Writer extends MLWriter {
        private final SparkgradClassificationModel model;
        private final float[] weights;
        private final TrainingSummary summary;

        Writer(SparkgradClassificationModel model, float[] weights, TrainingSummary summary) {
            this.model = model;
            this.weights = weights;
            this.summary = summary;
        }

        @Override
        public void saveImpl(String path) {
            DefaultParamsWriter.saveMetadata(model, path, sparkSession());
            String layers = model.getLayers();
            int[] shape = model.getInputShape();
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put(META_LAYERS, layers);
            meta.put(META_INPUT_SHAPE, Arrays.toString(shape));
            meta.put(META_NUM_CLASSES, Integer.toString(model.numClasses()));
            Path data = new Path(path, "data");
            try {
                FileSystem fs = data.getFileSystem(sc().hadoopConfiguration());
                try (FSDataOutputStream out = fs.create(new Path(data, WEIGHTS), true)) {
                    Safetensors.save(new Network(layers, shape, weights).stateDict(), meta, out);
                }
                if (summary != null) {
                    try (FSDataOutputStream out = fs.create(new Path(data, SUMMARY), true)) {
                        JSON.writeValue((java.io.OutputStream) out, summary);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the model to " + data, e);
            }
        }
    }

    /** Reads a model. */
    static final class Reader extends MLReader<SparkgradClassificationModel> {
        @Override
        public SparkgradClassificationModel load(String path) {
            DefaultParamsReader.Metadata metadata = DefaultParamsReader.loadMetadata(path, sparkSession(),
                    SparkgradClassificationModel.class.getName());
            Path data = new Path(path, "data");
            try {
                FileSystem fs = data.getFileSystem(sc().hadoopConfiguration());
                Path weightsPath = new Path(data, WEIGHTS);
                SafetensorsFile file;
                try (FSDataInputStream in = fs.open(weightsPath)) {
                    file = Safetensors.read(in);
                }
                String layers = required(file.metadata(), META_LAYERS, weightsPath);
                int[] shape = parseShape(required(file.metadata(), META_INPUT_SHAPE, weightsPath), weightsPath);
                int numClasses = Integer.parseInt(required(file.metadata(), META_NUM_CLASSES, weightsPath));
                float[] weights = Network.flatten(layers, shape, file.tensors(), weightsPath.toString());
                TrainingSummary summary = null;
                Path summaryPath = new Path(data, SUMMARY);
                if (fs.exists(summaryPath)) {
                    try (FSDataInputStream in = fs.open(summaryPath)) {
                        summary = JSON.readValue((java.io.InputStream) in, TrainingSummary.class);
                    }
                }
                SparkgradClassificationModel model = SparkgradClassificationModel.restored(metadata.uid(), numClasses, weights, summary);
                metadata.getAndSetParams(model, metadata.getAndSetParams$default$2());
                return model;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the model in " + data, e);
            }
        }

        private static String required(Map<String, String> meta, String key, Path where) {
            String v = meta == null ? null : meta.get(key);
            if (v == null) {
                throw new IllegalArgumentException(where + " has no '" + key + "' in its __metadata__: it was not saved by SparkgradClassificationModel");
            }
            return v;
        }

        private static int[] parseShape(String text, Path where) {
            String t = text.trim();
            if (!t.startsWith("[") || !t.endsWith("]")) {
                throw new IllegalArgumentException(where + ": input shape '" + text + "' is not of the form [1, 28, 28]");
            }
            return Arrays.stream(t.substring(1, t.length() - 1).split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        }
    }
}
