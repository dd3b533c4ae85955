package io.sparkgrad.trainer.ml;

import io.sparkgrad.trainer.data.FeatureColumn;
import io.sparkgrad.trainer.data.FrameBlocks;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;

/**
 * A network trained by {@link SparkgradClassifier}: its spec ({@code layers}), input shape and weights. {@code transform}
 * appends {@code rawPrediction} (the logits as a Vector), {@code probability} (their softmax) and {@code prediction}
 * (the class index as a double) in one distributed pass: each partition builds the network once from the spec and
 * the broadcast weights and runs its rows through it in batches. It runs on the CPU engine whatever the fit's
 * {@code device} was: a fit on GPUs ({@code device cuda}) gives the same weights layout, and scoring stays on the CPU.
 *
 * <p>Saved with {@code write().save(path)} to any Hadoop path as Spark ML's metadata JSON ({@code path/metadata}) and
 * the weights as safetensors with PyTorch's state-dict names ({@code path/data/model.safetensors}, the spec and input
 * shape in its {@code __metadata__}), plus the training summary ({@code path/data/summary.json}); read back with
 * {@link #load(String)}, also as a stage of a saved {@code PipelineModel} or {@code CrossValidatorModel}.
 */
public class SparkgradClassificationModel extends ProbabilisticClassificationModel<Vector, SparkgradClassificationModel>
        implements SparkgradParams, MLWritable {
    private static final long serialVersionUID = 1L;
    /** Rows per forward pass in {@code transform}. */
    static final int BATCH = 256;

    private final ParamDefs defs;
    private final int numClasses;
    private final float[] weights;
    private final TrainingSummary summary;
    private transient Network single;

    /**
     * @param uid        the model's uid (its estimator's)
     * @param numClasses the spec's output size
     * @param weights    the flat parameters, in the order of the spec's state dict
     * @param summary    the training run's summary, or null
     */
    SparkgradClassificationModel(String uid, int numClasses, float[] weights, TrainingSummary summary) {
        this(PendingUid.park(uid), numClasses, weights, summary, true);
    }

    private SparkgradClassificationModel(String uid, int numClasses, float[] weights, TrainingSummary summary, boolean parked) {
        this.defs = ParamDefs.install(this, uid);
        this.numClasses = numClasses;
        this.weights = weights;
        this.summary = summary;
    }

    // ---- Params ----

    @Override
    public ParamDefs paramDefs() {
        return defs;
    }

    // ---- The model ----

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public int numFeatures() {
        int n = 1;
        for (int d : getInputShape()) {
            n *= d;
        }
        return n;
    }

    /** A copy of the flat weights, in the order of the spec's state dict. */
    public float[] weights() {
        return weights.clone();
    }

    /** Whether the model carries the summary of its training run. */
    public boolean hasSummary() {
        return summary != null;
    }

    /** Per-epoch training and validation loss and accuracy of the run that trained this model. */
    public TrainingSummary summary() {
        if (summary == null) {
            throw new IllegalStateException("this model " + uid() + " carries no training summary");
        }
        return summary;
    }

    @Override
    public SparkgradClassificationModel copy(ParamMap extra) {
        SparkgradClassificationModel m = copyValues(new SparkgradClassificationModel(uid(), numClasses, weights, summary), extra);
        return m.setParent(parent());
    }

    /** The logits of one sample (for single predictions; {@link #transform} batches instead). */
    @Override
    public Vector predictRaw(Vector features) {
        float[] x = new float[numFeatures()];
        FrameBlocks.checkLength(features.size(), x.length, getInputShape(), getFeaturesCol(), "this vector");
        FeatureColumn.VECTOR.copy(features, x, 0, null);
        float[] logits;
        synchronized (this) {
            if (single == null) {
                single = new Network(getLayers(), getInputShape(), weights);
            }
            logits = single.forward(x, 1);
        }
        double[] raw = new double[numClasses];
        for (int i = 0; i < numClasses; i++) {
            raw[i] = logits[i];
        }
        return Vectors.dense(raw);
    }

    /** Softmax of the logits, in place. */
    @Override
    public Vector raw2probabilityInPlace(Vector rawPrediction) {
        if (!(rawPrediction instanceof DenseVector d)) {
            throw new IllegalArgumentException("raw predictions must be a dense vector, got " + rawPrediction.getClass().getSimpleName());
        }
        Network.softmaxInPlace(d.values());
        return d;
    }

    /**
     * Checks the features column's type and that the output columns are new.
     *
     * @throws IllegalArgumentException naming the column and its type
     */
    @Override
    public StructType transformSchema(StructType schema) {
        FeatureColumn.of(schema, getFeaturesCol());
        return ModelColumns.append(schema, getRawPredictionCol(), getProbabilityCol(), getPredictionCol(), numClasses);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        Dataset<Row> frame = dataset.toDF();
        StructType out = transformSchema(frame.schema());
        if (out.size() == frame.schema().size()) {
            return frame;
        }
        FeatureColumn kind = FeatureColumn.of(frame.schema(), getFeaturesCol());
        Broadcast<float[]> w = JavaSparkContext.fromSparkContext(frame.sparkSession().sparkContext()).broadcast(weights);
        double[] thresholds = isDefined(thresholds()) ? getThresholds() : null;
        Scorer scorer = new Scorer(getLayers(), getInputShape(), w, kind, frame.schema().fieldIndex(getFeaturesCol()),
                getFeaturesCol(), numClasses, !getRawPredictionCol().isEmpty(), !getProbabilityCol().isEmpty(),
                !getPredictionCol().isEmpty(), thresholds);
        return frame.mapPartitions(scorer, Encoders.row(out));
    }

    /**
     * This model with probability and prediction columns set (MLlib's summaries read them); Java sees the two Scala
     * declarations of this method as a clash, so it is declared once here, with MLlib's behaviour.
     */
    @Override
    @SuppressWarnings({"rawtypes", "unchecked"})
    public scala.Tuple3 findSummaryModel() {
        SparkgradClassificationModel m = this;
        if (getProbabilityCol().isEmpty() || getPredictionCol().isEmpty()) {
            m = copy(ParamMap.empty());
            if (getProbabilityCol().isEmpty()) {
                m.setProbabilityCol("probability_" + java.util.UUID.randomUUID());
            }
            if (getPredictionCol().isEmpty()) {
                m.setPredictionCol("prediction_" + java.util.UUID.randomUUID());
            }
        }
        return new scala.Tuple3(m, m.getProbabilityCol(), m.getPredictionCol());
    }

    @Override
    public String toString() {
        return "SparkgradClassificationModel: uid=" + uid() + ", layers=" + (isDefined(defs.layers) ? getLayers() : "?") + ", inputShape="
                + (isDefined(defs.inputShape) ? Arrays.toString(getInputShape()) : "?") + ", numClasses=" + numClasses;
    }

    // ---- Persistence ----

    @Override
    public MLWriter write() {
        return new ModelIO.Writer(this, weights, summary);
    }

    /** Reads a model saved with {@code write().save(path)}. */
    public static MLReader<SparkgradClassificationModel> read() {
        return new ModelIO.Reader();
    }

    /** Loads a model saved with {@code save(path)}, from any Hadoop path. */
    public static SparkgradClassificationModel load(String path) {
        return read().load(path);
    }

    /** For {@link ModelIO}: a model from its saved parts (params are set afterwards from the metadata). */
    static SparkgradClassificationModel restored(String uid, int numClasses, float[] weights, TrainingSummary summary) {
        return new SparkgradClassificationModel(uid, numClasses, weights, summary);
    }
}
