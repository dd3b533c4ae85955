package io.sparkgrad.trainer.ml;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkgrad.io.Safetensors;
import io.sparkgrad.nn.spec.ModelSpec;
import io.sparkgrad.nn.spec.SavedModel;
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

/**
 * How a {@link SparkgradClassificationModel} is saved: Spark ML's metadata JSON with every param
 * ({@code path/metadata}, written by Spark's {@code DefaultParamsWriter}), the weights as safetensors by PyTorch
 * name, self-describing through core-tensor's {@link SavedModel} (the spec and input shape in its {@code __metadata__}:
 * {@code path/data/model.safetensors}, which {@code sparkgrad evaluate} and PyTorch read as they are),
 * and the training summary as JSON ({@code path/data/summary.json}, absent when the model has none).
 */
final class ModelIO {
    static final String WEIGHTS = "model.safetensors";
    static final String SUMMARY = "summary.json";
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
            ModelSpec spec = ModelSpec.parse(model.getLayers());
            int[] shape = model.getInputShape();
            Path data = new Path(path, "data");
            try {
                FileSystem fs = data.getFileSystem(sc().hadoopConfiguration());
                try (FSDataOutputStream out = fs.create(new Path(data, WEIGHTS), true)) {
                    SavedModel.save(out, spec, shape, new Network(spec.toString(), shape, weights).module());
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
                SavedModel saved = SavedModel.from(file, weightsPath.toString(), null, null);
                int[] out = saved.spec().outputShape(saved.inputShape());
                int numClasses = out[0];
                float[] weights = Network.flatWeights(saved.module());
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
    }
}
