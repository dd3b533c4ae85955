package io.sparkgrad.trainer.ml;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.nn.spec.ModelSpec;
import io.sparkgrad.trainer.DistributedTrainer;
import io.sparkgrad.trainer.DriverOptimizer;
import io.sparkgrad.trainer.TrainingResult;
import io.sparkgrad.trainer.data.FrameBlocks;
import io.sparkgrad.trainer.engine.GpuOpener;
import io.sparkgrad.trainer.optim.EngineOptimizer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.classification.ProbabilisticClassifier;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;

/**
 * A Spark ML {@code Estimator} that trains a neural network, described by a model spec, data-parallel on the
 * DataFrame's own cluster with Sparkgrad's {@link DistributedTrainer}, and gives a
 * {@link SparkgradClassificationModel}. It fits in a {@code Pipeline}, {@code CrossValidator} and
 * {@code TrainValidationSplit} like any MLlib classifier:
 *
 * <pre>{@code
 * SparkgradClassifier clf = new SparkgradClassifier()
 *     .setLayers("linear(64) relu linear(10)")
 *     .setOptimizer("adam").setLearningRate(3e-3).setBatchSize(64).setEpochs(20);
 * PipelineModel m = new Pipeline().setStages(new PipelineStage[] {assembler, scaler, clf}).fit(train);
 * }</pre>
 *
 * <p><b>Columns.</b> Features ({@code featuresCol}, default {@code features}) are a Spark ML {@code Vector},
 * {@code array<float>}, {@code array<double>} or {@code binary} image bytes (read as unsigned, divided by 255); the
 * shape of one sample is {@code inputShape} (e.g. {@code [1, 28, 28]} for a convolutional spec) or {@code [n]}
 * inferred from the first row. Labels ({@code labelCol}) are numeric class indices {@code 0..k-1}, where {@code k} is
 * the spec's output size.
 *
 * <p><b>GPUs.</b> With {@code setDevice("cuda")} every replica computes its forward and backward passes on the GPU
 * Spark assigned to its task (GPU 0 in local mode), as the main job's {@code device=cuda} does; its device memory is
 * capped at {@code spark.task.resource.gpu.amount} of the GPU when that is below 1 (several tasks packed on one GPU).
 * The driver's optimizer step stays on the CPU, and so does the fitted model's {@code transform}. Where CUDA is unusable
 * a local-mode fit fails at once with the detection's reason; on a cluster each task fails with it. There is no silent
 * fallback to the CPU.
 *
 * <p>Every {@code fit} builds its own optimizer and trainer, so concurrent fits (a {@code CrossValidator} with
 * {@code parallelism > 1}) share nothing mutable.
 */
public class SparkgradClassifier extends ProbabilisticClassifier<Vector, SparkgradClassifier, SparkgradClassificationModel>
        implements SparkgradParams, DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private final ParamDefs defs;
    /** How a {@code cuda} fit's replicas open their GPU (tests: the CUDA emulator). */
    private GpuOpener gpuOpener = GpuOpener.CUDA;

    /** A classifier with a random uid. */
    public SparkgradClassifier() {
        this(Identifiable.randomUID("sparkgradClassifier"));
    }

    /** A classifier with the given uid (Spark ML's readers create instances this way). */
    public SparkgradClassifier(String uid) {
        this(PendingUid.park(uid), true);
    }

    private SparkgradClassifier(String uid, boolean parked) {
        // The superclass constructor has made Spark's own Params, asking uid() while defs was still null.
        this.defs = ParamDefs.install(this, uid);
    }

    // ---- Params ----

    @Override
    public ParamDefs paramDefs() {
        return defs;
    }

    // The setters, one line each as MLlib's ({@code def setMaxIter(value: Int): this.type = set(maxIter, value)}): each sets
    // its Param through with(), the one place that types Spark's set() for chaining. The Params' docs are in ParamDefs.

    /** The model spec, e.g. {@code "conv2d(16, 5, stride=2, padding=2) relu flatten linear(10)"}. */
    public SparkgradClassifier setLayers(String value) { return with(defs.layers, value); }

    /** The shape of one sample, e.g. {@code [1, 28, 28]}. */
    public SparkgradClassifier setInputShape(int[] value) { return with(defs.inputShape, value.clone()); }

    /** {@code sgd}, {@code adam} or {@code adamw}. */
    public SparkgradClassifier setOptimizer(String value) { return with(defs.optimizer, value); }

    public SparkgradClassifier setLearningRate(double value) { return with(defs.learningRate, value); }

    /** {@code constant} or {@code cosine}: the rate annealed from {@code learningRate} to 0 over the whole fit. */
    public SparkgradClassifier setLrSchedule(String value) { return with(defs.lrSchedule, value); }

    public SparkgradClassifier setMomentum(double value) { return with(defs.momentum, value); }

    public SparkgradClassifier setWeightDecay(double value) { return with(defs.weightDecay, value); }

    /** The global batch: samples per step over all workers. */
    public SparkgradClassifier setBatchSize(int value) { return with(defs.batchSize, value); }

    /** Drop each epoch's last partial batch (PyTorch's {@code drop_last=True}). Default false. */
    public SparkgradClassifier setDropLast(boolean value) { return with(defs.dropLast, value); }

    public SparkgradClassifier setEpochs(int value) { return with(defs.epochs, value); }

    /** Data-parallel workers; 0 uses the SparkContext's default parallelism. */
    public SparkgradClassifier setWorkers(int value) { return with(defs.workers, value); }

    public SparkgradClassifier setSeed(long value) { return with(defs.seed, value); }

    public SparkgradClassifier setValidationIndicatorCol(String value) { return with(defs.validationIndicatorCol, value); }

    public SparkgradClassifier setCheckpointDir(String value) { return with(defs.checkpointDir, value); }

    /**
     * {@code cpu} or {@code cuda}: where the fit's replicas compute (the fitted model transforms on the CPU).
     *
     * @throws IllegalArgumentException naming the value and the allowed ones
     */
    public SparkgradClassifier setDevice(String value) {
        if (!ParamDefs.DEVICES.contains(value)) {
            throw new IllegalArgumentException("device '" + value + "' is not one of " + String.join(", ", ParamDefs.DEVICES));
        }
        return with(defs.device, value);
    }

    /** How a {@code cuda} fit's replicas open their GPU; the real one by default. */
    SparkgradClassifier gpuOpener(GpuOpener opener) {
        this.gpuOpener = java.util.Objects.requireNonNull(opener, "opener");
        return this;
    }

    /** Sets {@code param} (checked by its validator) and returns this, as Spark's {@code set}, typed for chaining. */
    private <V> SparkgradClassifier with(Param<V> param, V value) {
        return (SparkgradClassifier) set(param, value);
    }

    // ---- Estimator ----

    @Override
    public SparkgradClassifier copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    /**
     * Checks the columns: features of an allowed type, a numeric label, a boolean validation indicator if one is set,
     * and output columns that do not exist yet.
     *
     * @throws IllegalArgumentException naming the column and its type
     */
    @Override
    public StructType transformSchema(StructType schema) {
        FrameBlocks.of(getFeaturesCol(), getLabelCol()).check(schema);
        if (isDefined(defs.validationIndicatorCol) && !getValidationIndicatorCol().isEmpty()) {
            StructField v = io.sparkgrad.trainer.data.FeatureColumn.field(schema, getValidationIndicatorCol(), "validation indicator");
            if (!v.dataType().equals(DataTypes.BooleanType)) {
                throw new IllegalArgumentException("validation indicator column '" + v.name() + "' has type " + v.dataType().simpleString()
                        + ", but it must be boolean");
            }
        }
        return ModelColumns.append(schema, getRawPredictionCol(), getProbabilityCol(), getPredictionCol(), 0);
    }

    @Override
    public SparkgradClassificationModel train(Dataset<?> dataset) {
        Dataset<Row> frame = dataset.toDF();
        if (!isDefined(defs.layers)) {
            throw new IllegalArgumentException("SparkgradClassifier needs a model spec: setLayers(\"linear(128) relu linear(10)\"), say");
        }
        ModelSpec spec = ModelSpec.parse(getLayers());
        String layers = spec.toString();
        int[] shape = isDefined(defs.inputShape) ? getInputShape() : new int[] {FrameBlocks.firstLength(frame, getFeaturesCol())};
        int[] out;
        try {
            out = spec.outputShape(shape);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("model spec '" + layers + "' does not fit input shape " + Arrays.toString(shape) + ": "
                    + e.getMessage(), e);
        }
        if (out.length != 1 || out[0] < 2) {
            throw new IllegalArgumentException("model spec '" + layers + "' gives outputs of shape " + Arrays.toString(out) + " for input "
                    + Arrays.toString(shape) + ", but a classifier needs [k] class logits with k >= 2 (end with linear(k))");
        }
        int numClasses = out[0];
        int declared = FrameBlocks.classesFromMetadata(frame.schema(), getLabelCol());
        if (declared > numClasses) {
            throw new IllegalArgumentException("label column '" + getLabelCol() + "' declares " + declared + " classes in its metadata, but"
                    + " model spec '" + layers + "' gives " + numClasses + " outputs: end the spec with linear(" + declared + ")");
        }
        FrameBlocks conversion = FrameBlocks.of(getFeaturesCol(), getLabelCol()).featureShape(shape).numClasses(numClasses);
        Dataset<Row> training = frame;
        Dataset<Row> validation = null;
        if (isDefined(defs.validationIndicatorCol) && !getValidationIndicatorCol().isEmpty()) {
            org.apache.spark.sql.Column v = functions.col(getValidationIndicatorCol());
            training = frame.filter(functions.not(functions.coalesce(v, functions.lit(false))));
            validation = frame.filter(functions.coalesce(v, functions.lit(false)));
        }
        JavaRDD<SampleBlock> trainBlocks = conversion.toBlocks(training, "training data");
        JavaRDD<SampleBlock> validBlocks = validation == null ? null : conversion.toBlocks(validation, "validation data");
        int workers = getWorkers() > 0 ? getWorkers() : frame.sparkSession().sparkContext().defaultParallelism();
        DistributedTrainer.Builder builder = DistributedTrainer.builder()
                .replicaFactory(replicas(spec, shape, frame.sparkSession().sparkContext()))
                .optimizer(driverOptimizer())
                .globalBatchSize(getBatchSize())
                .dropLast(getDropLast())
                .epochs(getEpochs())
                .seed(getSeed())
                .workers(workers)
                .trainingData(trainBlocks)
                .sampleShape(shape)
                .validationData(validBlocks)
                .consoleProgress(false);
        if (isDefined(defs.checkpointDir) && !getCheckpointDir().isEmpty()) {
            builder.checkpointDir(getCheckpointDir());
        }
        TrainingResult result = builder.build().fit();
        SparkgradClassificationModel model = new SparkgradClassificationModel(uid(), numClasses, result.parameters(),
                TrainingSummary.of(result.history()));
        model.set(model.layers(), layers);
        model.set(model.inputShape(), shape);
        return model;
    }

    /**
     * The fit's replicas: on the CPU, or ({@code device cuda}) each on its task's GPU with its memory capped at the task's
     * {@code spark.task.resource.gpu.amount} of the GPU when that is a fraction.
     *
     * @throws IllegalStateException in local mode, with the detection's reason, when GPU 0 cannot be used
     */
    SpecReplicaFactory replicas(ModelSpec spec, int[] shape, org.apache.spark.SparkContext sc) {
        if (!getDevice().equals("cuda")) {
            return new SpecReplicaFactory(spec, shape, getSeed());
        }
        if (sc.isLocal()) {
            try {
                gpuOpener.requireDevice(0);
            } catch (IllegalStateException e) {
                throw new IllegalStateException("SparkgradClassifier device cuda: " + e.getMessage() + " (setDevice(\"cpu\") trains on"
                        + " the CPU)", e);
            }
        }
        return new SpecReplicaFactory(spec, shape, getSeed(), gpuOpener, gpuShare(sc.getConf().getOption("spark.task.resource.gpu.amount")));
    }

    /** The part of a GPU a task holds: {@code spark.task.resource.gpu.amount} when it is in (0, 1), else the whole GPU. */
    static double gpuShare(scala.Option<String> taskGpuAmount) {
        if (taskGpuAmount.isEmpty()) {
            return 1;
        }
        try {
            double a = Double.parseDouble(taskGpuAmount.get().strip());
            return a > 0 && a < 1 ? a : 1;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("spark.task.resource.gpu.amount '" + taskGpuAmount.get() + "' is not a number", e);
        }
    }

    /**
     * A fresh optimizer of this fit's settings (never shared between fits); a cosine schedule spans the whole fit, its
     * length set by the trainer ({@link DriverOptimizer#forRun}).
     */
    DriverOptimizer driverOptimizer() {
        double lr = getLearningRate();
        double wd = getWeightDecay();
        EngineOptimizer o = switch (getOptimizer()) {
            case "sgd" -> EngineOptimizer.sgd(lr, getMomentum(), 0, wd, false);
            case "adam" -> EngineOptimizer.adam(lr, 0.9, 0.999, 1e-8, wd);
            case "adamw" -> EngineOptimizer.adamw(lr, 0.9, 0.999, 1e-8, wd);
            default -> throw new IllegalArgumentException("optimizer '" + getOptimizer() + "' is not one of " + ParamDefs.OPTIMIZERS);
        };
        return switch (getLrSchedule()) {
            case "constant" -> o;
            case "cosine" -> o.withCosineAnnealingOverRun(0.0);
            default -> throw new IllegalArgumentException("lrSchedule '" + getLrSchedule() + "' is not one of " + ParamDefs.SCHEDULES);
        };
    }

    // ---- Persistence ----

    /** Reads a classifier saved with {@code write().save(path)}. */
    public static MLReader<SparkgradClassifier> read() {
        return new DefaultParamsReader<>();
    }

    /** Loads a classifier saved with {@code save(path)}, from any Hadoop path. */
    public static SparkgradClassifier load(String path) {
        return read().load(path);
    }
}
