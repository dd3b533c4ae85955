package io.sparkgrad.trainer.bench;

import io.sparkgrad.trainer.ml.SparkgradClassifier;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bin/bench ml}'s main on the real 300 + 200 image MNIST subset in data-ingest's test resources: its options
 * parse, it runs MLlib and both Sparkgrad models through the Pipeline, and prints one well-formed RESULT line per run.
 */
class MlBenchTest {

    static final String SUBSET = Path.of("..", "data-ingest", "src", "test", "resources", "mnist-subset").toAbsolutePath().toString();

    static final Pattern RESULT = Pattern.compile(
            "RESULT bench=ml estimator=(sparkgrad|mllib) layers=(\\S+) test_accuracy=(\\d\\.\\d{4}) seconds=(\\d+\\.\\d)");

    @Test
    void aTinyRunPrintsOneResultLinePerEstimatorAndModel() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int rc = new CommandLine(new MlBench(new PrintStream(bytes, true, StandardCharsets.UTF_8))).execute(
                "--mnist-dir=" + SUBSET, "--train-samples=250", "--test-samples", "200", "--epochs=2", "--max-iter=5", "--no-warmup",
                "--batch-size=25", "--mlp-lr=0.003", "--cnn-lr=0.003",
                "--estimators=mllib,sparkgrad", "--models=mlp,cnn");
        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, rc, printed);
        List<String> results = printed.lines().filter(l -> l.startsWith("RESULT")).toList();
        assertEquals(3, results.size(), printed);
        String[][] expected = {{"mllib", "784-128-10"}, {"sparkgrad", "784-128-10"}, {"sparkgrad", "mnist-cnn"}};
        for (int i = 0; i < 3; i++) {
            Matcher m = RESULT.matcher(results.get(i));
            assertTrue(m.matches(), "malformed: " + results.get(i));
            assertEquals(expected[i][0], m.group(1));
            assertEquals(expected[i][1], m.group(2));
            double acc = Double.parseDouble(m.group(3));
            // 250 images: 20 Adam steps or five L-BFGS iterations are far from converged, but well above chance (0.1).
            assertTrue(acc > 0.15 && acc <= 1.0, "accuracy of " + results.get(i));
            assertTrue(Double.parseDouble(m.group(4)) > 0, results.get(i));
        }
        assertTrue(printed.contains("train=250 test=200"), printed);
        assertTrue(printed.lines().anyMatch(l -> l.matches("# mllib blas=\\w*BLAS OPENBLAS_NUM_THREADS=\\S+")), printed);
        assertTrue(printed.contains("maxIter=5") && printed.contains("epochs=2") && printed.contains("batchSize=25"), printed);
    }

    @Test
    void anUnknownEstimatorIsAnErrorNamingTheAllowedOnes() {
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new MlBench(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
        cl.setErr(new PrintWriter(err));
        int rc = cl.execute("--mnist-dir=" + SUBSET, "--estimators=mllib,xgboost");
        assertEquals(2, rc);
        assertTrue(err.toString().contains("unknown estimator 'xgboost'; allowed: mllib, sparkgrad"), err.toString());
    }

    @Test
    void theDefaultsAreTheIssuesMllibConfigurationOnTheSameColumnsAsSparkgrad() {
        MlBench bench = new MlBench(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        new CommandLine(bench).parseArgs();
        List<MlBench.Run> runs = bench.runs();
        assertEquals(List.of("mllib", "sparkgrad", "sparkgrad"), runs.stream().map(MlBench.Run::estimator).toList());
        MultilayerPerceptronClassifier mllib = (MultilayerPerceptronClassifier) runs.get(0).stage();
        assertArrayEquals(new int[] {784, 128, 10}, mllib.getLayers());
        assertEquals("l-bfgs", mllib.getSolver());
        assertEquals(100, mllib.getMaxIter());
        assertFalse(mllib.isSet(mllib.blockSize()), "MLlib's default block size");
        assertEquals(new MultilayerPerceptronClassifier().getBlockSize(), mllib.getBlockSize());
        SparkgradClassifier mlp = (SparkgradClassifier) runs.get(1).stage();
        assertEquals(MlBench.MLP_SPEC, mlp.getLayers());
        assertArrayEquals(new int[] {784}, mlp.getInputShape());
        for (MlBench.Run r : runs) {
            // Every estimator reads the one frame's columns: the same features (pixels / 255) and labels.
            org.apache.spark.ml.Predictor<?, ?, ?> p = (org.apache.spark.ml.Predictor<?, ?, ?>) r.stage();
            assertEquals("features", p.getFeaturesCol(), r.settings());
            assertEquals("label", p.getLabelCol(), r.settings());
        }
    }

    @Test
    void resultLinesKeepTheFieldOrder() {
        assertEquals("RESULT bench=ml estimator=mllib layers=784-128-10 test_accuracy=0.9720 seconds=139.0",
                MlBench.resultLine("mllib", "784-128-10", 0.97204, 139.04));
    }
}
