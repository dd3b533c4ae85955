package io.sparkgrad.conf;

import io.sparkgrad.nn.spec.ModelSpec;
import io.sparkgrad.nn.spec.ModelSpecException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The rules that involve more than one value or the preset: required values, known model names, master
 * URLs, Nesterov's conditions, Spark settings that have their own keys. Single values (types, ranges,
 * enums, unknown keys) are the binder's job.
 */
final class ConfigValidator {
    /** String values that may be left out: they are derived or only needed in some cases. */
    private static final Set<String> OPTIONAL = Set.of("data.test", "output.checkpointDir", "output.metricsFile");

    /** Spark settings that JobConfig holds in its own keys, and where. */
    private static final Map<String, String> RESERVED_SPARK_KEYS = Map.of(
            "spark.master", "spark.master",
            "spark.app.name", "spark.appName",
            "spark.submit.deployMode", "spark.deployMode");

    /** The JVM option settings Spark checks, and the memory setting to use instead of -Xmx. */
    private static final Map<String, String> JAVA_OPTIONS_KEYS = Map.of(
            "spark.driver.extraJavaOptions", "spark.driver.memory",
            "spark.executor.extraJavaOptions", "spark.executor.memory");

    /** The shape of one MNIST image. */
    private static final int[] MNIST_SHAPE = {1, 28, 28};

    private final Function<String, String> originOf;
    private final List<ConfigProblem> problems = new ArrayList<>();

    private ConfigValidator(Function<String, String> originOf) {
        this.originOf = originOf;
    }

    /** Every rule violated by {@code c} loaded with {@code preset} (null: no preset). */
    static List<ConfigProblem> validate(JobConfig c, Preset preset, Function<String, String> originOf) {
        ConfigValidator v = new ConfigValidator(originOf);
        v.required(c, preset);
        v.model(c.model(), c.data());
        v.data(c.data());
        v.optimizer(c.optimizer());
        v.training(c.training());
        v.spark(c.spark());
        return v.problems;
    }

    private void problem(String path, String message) {
        problems.add(new ConfigProblem(path, originOf.apply(path), message));
    }

    private void required(JobConfig c, Preset preset) {
        check("model.name", c.model().name());
        check("data.train", c.data().train());
        check("output.outputDir", c.output().outputDir());
        check("spark.appName", c.spark().appName());
        List<Preset.RequiredKey> presetKeys = preset == null ? List.of() : preset.requiredKeys();
        for (Preset.RequiredKey key : presetKeys) {
            String value = key.path().startsWith("spark.conf.")
                    ? c.spark().conf().get(key.path().substring("spark.conf.".length()))
                    : key.path().equals("spark.master") ? c.spark().master() : null;
            if (isBlank(value)) {
                problems.add(new ConfigProblem(key.path(), null, "missing required value: preset " + preset.label()
                        + " needs " + key.hint() + " (--set " + key.path() + "=...)"));
            }
        }
        boolean presetAsksForMaster = presetKeys.stream().anyMatch(k -> k.path().equals("spark.master"));
        if (!presetAsksForMaster) {
            check("spark.master", c.spark().master());
        }
        if (c.data().split() == Split.OFFICIAL && !DataConfig.isMnist(c.data().train()) && isBlank(c.data().test())) {
            problem("data.test", "missing required value: with data.split official and a training file ("
                    + c.data().train() + ") the test set's path is needed too");
        }
    }

    private void check(String path, String value) {
        if (isBlank(value) && !OPTIONAL.contains(path)) {
            problem(path, "missing required value (a string)");
        }
    }

    private void model(ModelConfig m, DataConfig d) {
        if (!m.hasLayers() && !isBlank(m.name()) && !ModelConfig.KNOWN_MODELS.contains(m.name())) {
            problem("model.name", "unknown model '" + m.name() + "'; allowed values: "
                    + String.join(", ", ModelConfig.KNOWN_MODELS)
                    + KeySuggester.didYouMean(m.name(), ModelConfig.KNOWN_MODELS)
                    + "; or give the layers of a model spec in model.layers");
            return;
        }
        if (!m.hasLayers() && isBlank(m.name())) {
            return; // reported as a missing value
        }
        boolean shapeOk = positive("model.inputShape", m.inputShape());
        ModelSpec spec;
        try {
            spec = m.spec();
        } catch (ModelSpecException e) {
            problem(m.key(), e.getMessage());
            return;
        }
        // The input shape, where it is known before the data is read: checks every layer's shapes now.
        int[] shape = m.inputShapeArray();
        String from = "model.inputShape";
        if (shape == null && !d.shape().isEmpty()) {
            shape = d.shapeArray();
            from = "data.shape";
        } else if (shape == null && !d.readsFrames() && DataConfig.isMnist(d.train())) {
            shape = MNIST_SHAPE;
            from = "MNIST's images";
        }
        if (shape == null || !shapeOk || (from.equals("data.shape") && !positive("data.shape", d.shape()))) {
            return;
        }
        try {
            int[] out = spec.outputShape(shape);
            if (out.length != 1 || out[0] < 2) {
                problem(m.key(), "the model's output for one sample has shape " + Arrays.toString(out) + " (input shape "
                        + Arrays.toString(shape) + " from " + from + "); a classifier's must be [classes], at least 2, e.g. end "
                        + "with linear(10) after flatten");
            }
        } catch (ModelSpecException e) {
            problem(m.key(), e.getMessage() + " (input shape " + Arrays.toString(shape) + " from " + from + ")");
        }
    }

    private boolean positive(String path, List<Integer> shape) {
        for (int dim : shape) {
            if (dim <= 0) {
                problem(path, "every dimension must be positive, got " + shape);
                return false;
            }
        }
        return true;
    }

    private void data(DataConfig d) {
        if (d.readsFrames()) {
            // data.train may still be mnist here: evaluate and predict read only --data or data.test (the job refuses it).
            if (d.format() == DataFormat.PARQUET && isBlank(d.featuresCol())) {
                problem("data.featuresCol", "missing required value: the Parquet column that holds the features");
            }
            if (isBlank(d.labelCol())) {
                problem("data.labelCol", "missing required value: the column that holds the labels (class indices 0..k-1)");
            }
        } else {
            if (d.validationFraction() > 0) {
                problem("data.validationFraction", "needs data.format parquet, csv or libsvm (MNIST and IDX data use "
                        + "data.split), got data.format " + d.format().label());
            }
            if (!isBlank(d.validationCol())) {
                problem("data.validationCol", "needs data.format parquet, csv or libsvm (MNIST and IDX data use "
                        + "data.split), got data.format " + d.format().label());
            }
        }
        if (d.validationFraction() > 0 && !isBlank(d.validationCol())) {
            problem("data.validationCol", "give data.validationFraction or data.validationCol, not both");
        }
        if (!d.shape().isEmpty()) {
            positive("data.shape", d.shape());
        }
    }

    private void optimizer(OptimizerConfig o) {
        List<Double> betas = o.betas();
        if (betas.size() != 2) {
            problem("optimizer.betas", "must hold exactly two numbers [beta1, beta2], got " + betas.size());
        } else {
            for (int i = 0; i < 2; i++) {
                double b = betas.get(i);
                if (!(b >= 0 && b < 1)) {
                    problem("optimizer.betas", "out of range: beta" + (i + 1) + " is " + ConfigChecker.format(b)
                            + ", allowed 0 <= beta < 1");
                }
            }
        }
        if (o.name() == OptimizerName.SGD && o.nesterov() && (o.momentum() <= 0 || o.dampening() != 0)) {
            problem("optimizer.nesterov", "Nesterov momentum needs optimizer.momentum > 0 and optimizer.dampening 0, "
                    + "got momentum " + ConfigChecker.format(o.momentum()) + " and dampening "
                    + ConfigChecker.format(o.dampening()));
        }
        if (o.schedule() == LrSchedule.COSINE && o.minLr() > o.lr()) {
            problem("optimizer.minLr", "is " + ConfigChecker.format(o.minLr()) + ", above optimizer.lr "
                    + ConfigChecker.format(o.lr()) + ": a cosine schedule anneals from lr down to minLr");
        }
    }

    private void training(TrainingConfig t) {
        if (t.globalBatchSize() < t.workers()) {
            problem("training.globalBatchSize", "is " + t.globalBatchSize() + " but there are " + t.workers()
                    + " workers (training.workers); every worker needs at least one sample per step");
        }
        try {
            io.sparkgrad.trainer.transport.barrier.ChannelPorts.parse(t.channelPort());
        } catch (IllegalArgumentException e) {
            problem("training.channelPort", e.getMessage());
        }
        if (t.transport() == Transport.STAGE && !"0".equals(t.channelPort().trim())) {
            problem("training.channelPort", "is " + t.channelPort() + " but the stage transport opens no channel; "
                    + "use it with training.transport=barrier, or leave it at 0");
        }
    }

    private void spark(SparkConfig s) {
        if (s.secure() && ClusterManager.of(s.master()).orElse(null) == ClusterManager.STANDALONE
                && !s.conf().containsKey("spark.authenticate.secret")) {
            problem("spark.secure", "on a standalone cluster Spark's authentication needs the shared secret the master and "
                    + "workers were started with: set spark.conf.spark.authenticate.secret (YARN and Kubernetes make one)");
        }
        if (!isBlank(s.master())) {
            ClusterManager.of(s.master()).ifPresentOrElse(cm -> {
                if (cm == ClusterManager.LOCAL && s.deployMode() == DeployMode.CLUSTER) {
                    problem("spark.deployMode", "cluster is not possible with master " + s.master()
                            + "; allowed values here: client");
                }
            }, () -> problem("spark.master", "'" + s.master() + "' is not a master URL; accepted forms: "
                    + ClusterManager.acceptedForms()));
        }
        for (String key : s.conf().keySet()) {
            String path = "spark.conf." + key;
            if (RESERVED_SPARK_KEYS.containsKey(key)) {
                problem(path, "set " + RESERVED_SPARK_KEYS.get(key) + " instead (it has its own key)");
            } else if (!key.startsWith("spark.")) {
                problem(path, "is not a Spark setting (Spark settings start with 'spark.'; spark-submit ignores "
                        + "anything else)");
            } else if (JAVA_OPTIONS_KEYS.containsKey(key)) {
                javaOptions(path, s.conf().get(key), JAVA_OPTIONS_KEYS.get(key));
            }
        }
    }

    /** Spark refuses these options in extraJavaOptions (it checks for "-Dspark" and "-Xmx" anywhere). */
    private void javaOptions(String path, String options, String memoryKey) {
        if (options.contains("-Dspark")) {
            problem(path, "contains '-Dspark', which Spark refuses in JVM options: give Spark settings as "
                    + "spark.conf entries, and system properties names that do not start with 'spark'");
        }
        if (options.contains("-Xmx")) {
            problem(path, "contains '-Xmx', which Spark refuses in JVM options: set spark.conf." + memoryKey
                    + " instead");
        }
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
