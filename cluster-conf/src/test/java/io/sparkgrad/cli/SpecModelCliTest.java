package io.sparkgrad.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.conf.JobConfigLoader;
import io.sparkgrad.conf.RepoFiles;
import io.sparkgrad.ingest.testutil.LocalSpark;
import io.sparkgrad.job.JobResult;
import io.sparkgrad.job.JobSpark;
import io.sparkgrad.nn.spec.ModelSpec;
import io.sparkgrad.nn.spec.SavedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.stream.IntStream;
import org.apache.spark.SparkConf;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model defined by its spec, trained through the command line on a Parquet file of feature vectors that is not
 * MNIST (the UCI 8x8 digits, 1,797 rows, spark-trainer's committed fixture), then evaluated from its self-describing
 * {@code model.safetensors} with no model flags.
 */
class SpecModelCliTest {
    static final String DIGITS = RepoFiles.root().resolve("spark-trainer/src/test/resources/uci-digits/digits.csv.gz").toString();
    static final String LAYERS = "linear(32) relu linear(10)";

    @TempDir
    static Path tmp;

    static SparkSession spark;
    static Path trainFile;
    static Path testFile;
    static long testRows;

    @BeforeAll
    static void writeTheDigitsAsParquet() {
        spark = LocalSpark.start("local[2]", "sparkgrad-spec-cli-test", JobSpark.sparkConf(
                new JobConfigLoader().set("spark.master=local[2]").load().config(), new SparkConf()));
        Dataset<Row> raw = spark.read().option("inferSchema", "true").csv(DIGITS);
        String[] cols = raw.columns();
        // Pixels 0..16 scaled to [0, 1], as a Spark ML vector column "features"; the last column is the digit.
        Column[] scaled = IntStream.range(0, 64).mapToObj(i -> functions.col(cols[i]).divide(16.0).as("p" + i)).toArray(Column[]::new);
        Dataset<Row> pixels = raw.select(concat(scaled, functions.col(cols[64]).cast("int").as("label")));
        Dataset<Row> frame = new VectorAssembler().setInputCols(IntStream.range(0, 64).mapToObj(i -> "p" + i).toArray(String[]::new))
                .setOutputCol("features").transform(pixels).select("features", "label");
        Dataset<Row>[] split = frame.randomSplit(new double[] {0.8, 0.2}, 11);
        trainFile = tmp.resolve("digits-train.parquet");
        testFile = tmp.resolve("digits-test.parquet");
        split[0].write().parquet(trainFile.toString());
        split[1].write().parquet(testFile.toString());
        testRows = spark.read().parquet(testFile.toString()).count();
    }

    private static Column[] concat(Column[] a, Column b) {
        Column[] out = java.util.Arrays.copyOf(a, a.length + 1);
        out[a.length] = b;
        return out;
    }

    @AfterAll
    static void stopSpark() {
        if (spark != null) {
            spark.stop();
        }
    }

    @Test
    void aSpecModelTrainedOnParquetIsEvaluatedFromItsModelFileAlone() throws Exception {
        Path runDir = tmp.resolve("run");
        SparkgradMainTest.Run train = SparkgradMainTest.run("train",
                "--set", "model.layers=" + LAYERS,
                "--set", "data.format=parquet",
                "--set", "data.train=" + trainFile, "--set", "data.test=" + testFile,
                "--set", "data.validationFraction=0.15",
                "--set", "optimizer.lr=0.01", "--set", "training.globalBatchSize=32", "--set", "training.epochs=8",
                "--set", "output.outputDir=" + runDir);
        assertEquals(0, train.status(), train.err() + train.out());
        Matcher trained = JobResult.parse(train.last());
        double accuracy = Double.parseDouble(trained.group(1));
        assertTrue(accuracy > 0.9, "an MLP on the 8x8 digits: " + train.last());
        assertTrue(train.out().contains("Model: spec (" + LAYERS + " on [64])"), "the input shape [64] was inferred from the vectors");

        Path model = runDir.resolve("model.safetensors");
        SavedModel saved = SavedModel.load(model);
        assertEquals(ModelSpec.parse(LAYERS), saved.spec(), "the file carries its spec");
        assertArrayEquals(new int[] {64}, saved.inputShape(), "and its input shape");

        SparkgradMainTest.Run evaluate = SparkgradMainTest.run("evaluate", "--model-file", model.toString(),
                "--set", "data.format=parquet", "--data", testFile.toString());
        assertEquals(0, evaluate.status(), evaluate.err() + evaluate.out());
        Matcher m = SparkgradMainTest.EVALUATE_RESULT.matcher(evaluate.last());
        assertTrue(m.matches(), evaluate.last());
        assertEquals(trained.group(1), m.group(1), "evaluate reports the training run's test accuracy");
        assertEquals(trained.group(2), m.group(2), "and its test loss");
        assertEquals(Long.toString(testRows), m.group(3));
    }

    @Test
    void csvTrainsWithItsOwnValidationColumn() {
        // The same digits as CSV with a header: 64 pixel columns, the label and a boolean column marking validation rows.
        Dataset<Row> raw = spark.read().option("inferSchema", "true").csv(DIGITS);
        String[] cols = raw.columns();
        Column[] named = IntStream.range(0, 65).mapToObj(i -> functions.col(cols[i]).as(i < 64 ? "p" + i : "digit"))
                .toArray(Column[]::new);
        Dataset<Row> digits = raw.select(named).withColumn("isValid", functions.rand(3).lt(0.2));
        Dataset<Row>[] split = digits.randomSplit(new double[] {0.8, 0.2}, 5);
        Path train = tmp.resolve("digits-train.csv");
        Path test = tmp.resolve("digits-test.csv");
        split[0].write().option("header", "true").csv(train.toString());
        split[1].drop("isValid").write().option("header", "true").csv(test.toString());
        SparkgradMainTest.Run r = SparkgradMainTest.run("train",
                "--set", "model.layers=" + LAYERS, "--set", "data.format=csv", "--set", "data.labelCol=digit",
                "--set", "data.train=" + train, "--set", "data.test=" + test, "--set", "data.validationCol=isValid",
                "--set", "optimizer.lr=0.01", "--set", "training.globalBatchSize=32", "--set", "training.epochs=3",
                "--set", "output.outputDir=" + tmp.resolve("csv-run"));
        assertEquals(0, r.status(), r.err() + r.out());
        assertTrue(r.out().contains(train + " where isValid"), "the validation set is the marked rows: " + r.out());
        assertTrue(r.out().contains("on [64])"), "64 feature columns, the label and the marker left out: " + r.out());
        assertTrue(Double.parseDouble(JobResult.parse(r.last()).group(1)) > 0.8, r.last());
    }

    @Test
    void aSpecThatDoesNotFitTheDataNamesTheLayerAndTheShapes() {
        SparkgradMainTest.Run r = SparkgradMainTest.run("train",
                "--set", "model.layers=conv2d(4, 3) relu flatten linear(10)",
                "--set", "data.format=parquet",
                "--set", "data.train=" + trainFile, "--set", "data.test=" + testFile,
                "--set", "output.outputDir=" + tmp.resolve("bad"));
        assertEquals(1, r.status(), r.out());
        assertTrue(r.err().contains("model.layers: layer 1 conv2d(4, 3)"), r.err());
        assertTrue(r.err().contains("[64]"), "names the data's sample shape: " + r.err());
        assertTrue(Files.notExists(tmp.resolve("bad").resolve("model.safetensors")));
    }
}
