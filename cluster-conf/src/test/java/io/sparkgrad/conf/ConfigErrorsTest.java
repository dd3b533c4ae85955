package io.sparkgrad.conf;

import static io.sparkgrad.conf.ConfigProblems.only;
import static io.sparkgrad.conf.ConfigProblems.problems;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every kind of configuration error, and that each names the key, the source and what is allowed. */
class ConfigErrorsTest {
    @TempDir
    Path dir;

    @Test
    void anUnknownKeyNamesTheNearestValidKeyAndTheFile() throws Exception {
        Path file = JobYaml.write(dir, "optimizer:\n  lrr: 0.1\n");
        ConfigProblem p = only(new JobConfigLoader().file(file));
        assertEquals("optimizer.lrr", p.path());
        assertEquals("file " + file, p.origin());
        assertEquals("unknown key; did you mean optimizer.lr?", p.message());
    }

    @Test
    void anUnknownKeyInTheWrongSectionNamesTheKeyWhereItBelongs() {
        ConfigProblem top = only(new JobConfigLoader().set("lr=0.1"));
        assertEquals("unknown key; did you mean optimizer.lr?", top.message());
        assertEquals("--set lr=0.1", top.origin());
        ConfigProblem moved = only(new JobConfigLoader().set("training.weightDecay=0.1"));
        assertEquals("unknown key; did you mean optimizer.weightDecay?", moved.message());
    }

    @Test
    void aMisspelledSectionNamesTheSection() throws Exception {
        ConfigProblem p = only(new JobConfigLoader().file(JobYaml.write(dir, "optimiser:\n  lr: 0.1\n")));
        assertEquals("optimiser", p.path());
        assertEquals("unknown key; did you mean optimizer?", p.message());
        assertEquals("file " + dir.resolve("job.yaml"), p.origin(), "a section's origin is its first value's");
    }

    @Test
    void anEnumValueNotAllowedListsTheAllowedValues() throws Exception {
        ConfigProblem p = only(new JobConfigLoader().file(JobYaml.write(dir, "data:\n  scaling: div225\n")));
        assertEquals("data.scaling", p.path());
        assertEquals("'div225' is not allowed; allowed values: div255, div256, normalize (did you mean div255?)",
                p.message());
    }

    /**
     * Each bad {@code --set} (settings separated by {@code ;}) is one problem at its key ({@code -}: not checked here)
     * with exactly this message: the nearest key, the allowed range or values, what to set instead.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            training.epcohs=3                     | -                        | unknown key; did you mean training.epochs?
            optimizer.lr=0                        | -                        | out of range: got 0, allowed 0 < optimizer.lr <= 100
            optimizer.momentum=1                  | -                        | out of range: got 1, allowed 0 <= optimizer.momentum < 1
            training.epochs=0                     | -                        | out of range: got 0, allowed 1 <= training.epochs <= 100000
            training.checkpointEveryKSteps=-1     | -                        | out of range: got -1, allowed training.checkpointEveryKSteps >= 0
            training.globalBatchSize=2000000      | training.globalBatchSize | out of range: got 2000000, allowed 1 <= training.globalBatchSize <= 1048576
            optimizer.name=rmsprop                | -                        | 'rmsprop' is not allowed; allowed values: sgd, adam, adamw
            training.transport=ring               | -                        | 'ring' is not allowed; allowed values: barrier, stage
            model.name=tutorial_cnn               | model.name               | unknown model 'tutorial_cnn'; allowed values: logistic, tutorial-cnn, mnist-cnn (did you mean tutorial-cnn?); or give the layers of a model spec in model.layers
            data.split=official;data.train=/d/train.parquet | data.test      | missing required value: with data.split official and a training file (/d/train.parquet) the test set's path is needed too
            spark.master=spark:/host:7077         | -                        | 'spark:/host:7077' is not a master URL; accepted forms: local, local[N], local[*], local-cluster[N,cores,memMB], spark://host:port, yarn, k8s://https://host:port
            spark.deployMode=cluster              | spark.deployMode         | cluster is not possible with master local[*]; allowed values here: client
            optimizer.name=sgd;optimizer.nesterov=true;optimizer.momentum=0 | - | Nesterov momentum needs optimizer.momentum > 0 and optimizer.dampening 0, got momentum 0 and dampening 0
            optimizer.name=sgd;optimizer.nesterov=true;optimizer.dampening=0.1 | optimizer.nesterov |
            optimizer.betas=0.9,0.99,0.999        | -                        | must hold exactly two numbers [beta1, beta2], got 3
            optimizer.betas=0.9,1                 | -                        | out of range: beta2 is 1, allowed 0 <= beta < 1
            spark.conf.spark.master=yarn          | spark.conf.spark.master  | set spark.master instead (it has its own key)
            spark.conf.executor.memory=4g         | -                        | is not a Spark setting (Spark settings start with 'spark.'; spark-submit ignores anything else)
            spark.conf.spark.executor.extraJavaOptions=-Dsparkgrad.debug=1 | spark.conf.spark.executor.extraJavaOptions | contains '-Dspark', which Spark refuses in JVM options: give Spark settings as spark.conf entries, and system properties names that do not start with 'spark'
            spark.conf.spark.driver.extraJavaOptions=-Xmx8g | -              | contains '-Xmx', which Spark refuses in JVM options: set spark.conf.spark.driver.memory instead
            training.globalBatchSize=2;training.workers=4 | -                | is 2 but there are 4 workers (training.workers); every worker needs at least one sample per step
            optimizer.lr=0.01;optimizer.minLr=0.1 | optimizer.minLr          | is 0.1, above optimizer.lr 0.01: a cosine schedule anneals from lr down to minLr
            optimizer.schedule=linear             | -                        | 'linear' is not allowed; allowed values: constant, cosine
            optimizer.lr                          | -                        | expected key.path=value, for example optimizer.lr=0.05
            optimizer=adam                        | -                        | optimizer is a section; set one of its keys: optimizer.name, optimizer.lr, optimizer.momentum, optimizer.dampening, optimizer.nesterov, optimizer.weightDecay, optimizer.betas, optimizer.eps, optimizer.schedule, optimizer.minLr
            optimizer.lr.max=1                    | -                        | optimizer.lr is a single value, it has no key 'max'
            spark.conf=x                          | -                        | spark.conf is a map of Spark settings; set one entry, for example spark.conf.spark.executor.memory=4g
            optimizer..lr=1                       | -                        | the key has an empty segment
            """)
    void aBadSettingIsOneProblemWithItsMessage(String settings, String path, String message) {
        JobConfigLoader loader = new JobConfigLoader();
        for (String setting : settings.split(";")) {
            loader.set(setting);
        }
        ConfigProblem p = only(loader);
        if (!path.equals("-")) {
            assertEquals(path, p.path(), p.toString());
        }
        if (message != null) {
            assertEquals(message, p.message());
        }
    }

    @Test
    void aValueOfTheWrongTypeSaysWhatIsExpected() throws Exception {
        Path file = JobYaml.write(dir, "training:\n  epochs: two\n  skipNonFinite: yes please\n  workers: 2.5\n"
                + "optimizer:\n  lr: [0.1]\n  betas: [0.9, high]\n");
        List<ConfigProblem> ps = problems(new JobConfigLoader().file(file));
        assertEquals(List.of(
                "training.epochs (from file " + file + "): 'two' is not an integer (32-bit)",
                "training.workers (from file " + file + "): '2.5' is not an integer (32-bit)",
                "training.skipNonFinite (from file " + file + "): 'yes please' is not a boolean; allowed values: true, false",
                "optimizer.lr (from file " + file + "): must be a number, not a list",
                "optimizer.betas (from file " + file + "): 'high' is not a finite number (a list is written "
                        + "[0.9, 0.999] in YAML or 0.9,0.999 with --set)"),
                ps.stream().map(ConfigProblem::toString).sorted(this::byFileOrder).toList());
    }

    private int byFileOrder(String a, String b) {
        List<String> order = List.of("training.epochs", "training.workers", "training.skipNonFinite",
                "optimizer.lr", "optimizer.betas");
        return Integer.compare(indexOf(order, a), indexOf(order, b));
    }

    private static int indexOf(List<String> order, String s) {
        for (int i = 0; i < order.size(); i++) {
            if (s.startsWith(order.get(i) + " ")) {
                return i;
            }
        }
        return order.size();
    }

    @Test
    void aSectionGivenAValueSaysItIsASection() throws Exception {
        ConfigProblem p = only(new JobConfigLoader().file(JobYaml.write(dir, "optimizer: adam\n")));
        assertEquals("optimizer", p.path());
        assertEquals("must be a section with the keys name, lr, momentum, dampening, nesterov, weightDecay, betas, "
                + "eps, schedule, minLr, not the value 'adam'", p.message());
    }

    @Test
    void aMissingRequiredValueSaysWhich() throws Exception {
        ConfigProblem nullModel = only(new JobConfigLoader().file(JobYaml.write(dir, "model:\n  name: null\n")));
        assertEquals("model.name", nullModel.path());
        assertEquals("missing required value (a string)", nullModel.message());
        ConfigProblem nullEpochs = only(new JobConfigLoader().file(JobYaml.write(dir, "training:\n  epochs: ~\n")));
        assertEquals("training.epochs", nullEpochs.path());
        assertEquals("missing required value (an integer)", nullEpochs.message());
        ConfigProblem nullEnum = only(new JobConfigLoader().file(JobYaml.write(dir, "device: null\n")));
        assertEquals("missing required value (one of cpu, cuda)", nullEnum.message());
    }

    @Test
    void thePresetsRequiredValuesAreNamedWithAnExample() {
        ConfigProblem standalone = only(new JobConfigLoader().preset(Preset.STANDALONE));
        assertEquals("spark.master", standalone.path());
        assertEquals("missing required value: preset standalone needs the standalone master URL, e.g. "
                + "spark://host:7077 (--set spark.master=...)", standalone.message());
        List<ConfigProblem> k8s = problems(new JobConfigLoader().preset(Preset.K8S));
        assertEquals(List.of("spark.master", "spark.conf.spark.kubernetes.container.image"),
                k8s.stream().map(ConfigProblem::path).toList());
        assertTrue(k8s.get(1).message().contains("--set spark.conf.spark.kubernetes.container.image="),
                k8s.get(1).message());
    }

    @Test
    void aSparkSettingMustBeASingleValue() throws Exception {
        ConfigProblem p = only(new JobConfigLoader().file(JobYaml.write(dir, "spark:\n  conf:\n    spark.jars: [a, b]\n")));
        assertEquals("spark.conf.spark.jars", p.path());
        assertEquals("a Spark setting must be a single value, not a list", p.message());
    }

    @Test
    void aYamlSyntaxErrorNamesTheFileAndLine() throws Exception {
        Path file = JobYaml.write(dir, "model:\n  name: logistic\n optimizer: [\n");
        ConfigProblem p = only(new JobConfigLoader().file(file));
        assertEquals("file " + file, p.origin());
        assertTrue(p.message().startsWith("not valid YAML at line 3"), p.message());
    }

    @Test
    void aDuplicateKeyIsAnError() throws Exception {
        ConfigProblem p = only(new JobConfigLoader().file(JobYaml.write(dir, "training:\n  epochs: 2\n  epochs: 3\n")));
        assertTrue(p.message().contains("Duplicate field 'epochs'"), p.message());
    }

    @Test
    void aDocumentThatIsNotAMappingIsRejected() throws Exception {
        ConfigProblem p = only(new JobConfigLoader().file(JobYaml.write(dir, "- model\n- data\n")));
        assertEquals("the document must be a mapping of sections (model:, data:, optimizer:, ...), not a list",
                p.message());
        assertEquals("the document must be a mapping of sections (model:, data:, optimizer:, ...), not the single "
                + "value 'train'", only(new JobConfigLoader().file(JobYaml.write(dir, "train\n"))).message());
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = dir.resolve("nope.yaml");
        ConfigProblem p = only(new JobConfigLoader().file(missing));
        assertEquals("file " + missing, p.origin());
        assertTrue(p.message().startsWith("no such file"), p.message());
    }

    @Test
    void anUnknownPresetListsThePresets() {
        ConfigException e = assertThrows(ConfigException.class, () -> Preset.parse("yran"));
        assertEquals("--preset yran", e.problems().get(0).origin());
        assertEquals("unknown preset; allowed values: local, standalone, yarn, k8s (did you mean yarn?)",
                e.problems().get(0).message());
        assertEquals(Preset.K8S, Preset.parse("K8s"));
    }

    @Test
    void everyProblemIsReportedAtOnceInOneMessage() throws Exception {
        Path file = JobYaml.write(dir, "optimizer:\n  lrr: 0.1\ntraining:\n  epochs: 0\n");
        ConfigException e = assertThrows(ConfigException.class,
                () -> new JobConfigLoader().file(file).set("device=gpu").set("bad").load());
        assertEquals(4, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().startsWith("Invalid job configuration (4 problems):\n  - "), e.getMessage());
        assertTrue(e.getMessage().contains("optimizer.lrr (from file " + file + "): unknown key; did you mean "
                + "optimizer.lr?"), e.getMessage());
        assertTrue(e.getMessage().contains("device (from --set device=gpu): 'gpu' is not allowed"), e.getMessage());
    }
}
