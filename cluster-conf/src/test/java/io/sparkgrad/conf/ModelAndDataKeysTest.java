package io.sparkgrad.conf;

import static io.sparkgrad.conf.ConfigProblems.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.nn.spec.ModelSpec;
import io.sparkgrad.nn.spec.NamedSpec;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The keys of a spec-defined model and of any data: {@code model.layers}, {@code model.inputShape}, {@code data.*}. */
class ModelAndDataKeysTest {
    @TempDir
    Path dir;

    @Test
    void theDefaultsAreTheNamedMnistModelOnMnistByPath() {
        JobConfig c = new JobConfigLoader().load().config();
        assertEquals(List.of(), c.model().layers());
        assertEquals(NamedSpec.MNIST_CNN.spec(), c.model().spec());
        assertEquals(DataFormat.AUTO, c.data().format());
        assertEquals(List.of(), c.data().shape());
        assertEquals(0.0, c.data().validationFraction());
    }

    @Test
    void layersFromSetAreOneSpecStringWithItsCommasKept() {
        JobConfig c = new JobConfigLoader().set("model.layers=conv2d(8, 3, stride=2, padding=1) relu flatten linear(10)").load().config();
        assertEquals(ModelSpec.parse("conv2d(8, 3, stride=2, padding=1) relu flatten linear(10)"), c.model().spec());
        assertEquals("model.layers", c.model().key());
    }

    @Test
    void layersFromAYamlListAreOneLayerPerElementAndShapesAreIntegerLists() throws Exception {
        Path file = JobYaml.write(dir, """
                model:
                  layers:
                    - flatten
                    - linear(32)
                    - relu
                    - linear(3)
                  inputShape: [4, 4]
                data:
                  train: /data/t.parquet
                  test: /data/v.parquet
                  format: parquet
                  featuresCol: pixels
                  shape: [16]
                  validationFraction: 0.2
                """);
        JobConfig c = new JobConfigLoader().file(file).load().config();
        assertEquals(ModelSpec.parse("flatten linear(32) relu linear(3)"), c.model().spec());
        assertEquals(List.of(4, 4), c.model().inputShape());
        assertEquals(DataFormat.PARQUET, c.data().format());
        assertEquals("pixels", c.data().featuresCol());
        assertEquals(List.of(16), c.data().shape());
        assertEquals(0.2, c.data().validationFraction());
        JobConfig back = JobConfig.fromYaml(c.toYaml(), "saved");
        assertEquals(c, back, "the effective configuration reads back equal");
    }

    @Test
    void aBadSpecNamesTheKeyAndTheLayer() {
        ConfigProblem p = only(new JobConfigLoader().set("model.layers=flatten linear(32) relu conv2d(4, 3)"));
        assertEquals("model.layers", p.path());
        assertTrue(p.message().contains("layer 4 conv2d(4, 3)"), p.message());
        assertTrue(p.message().contains("MNIST's images"), "says where the input shape came from: " + p.message());

        ConfigProblem parse = only(new JobConfigLoader().set("model.layers=linear(32) relu lnear(10)"));
        assertEquals("model.layers", parse.path());
        assertTrue(parse.message().contains("layer 3"), parse.message());
    }

    @Test
    void aSpecThatIsNoClassifierIsRefused() {
        ConfigProblem p = only(new JobConfigLoader().set("model.layers=conv2d(4, 3)"));
        assertEquals("model.layers", p.path());
        assertTrue(p.message().contains("[classes]"), p.message());
    }

    @Test
    void anUnknownFormatNamesTheAllowedValues() {
        ConfigProblem p = only(new JobConfigLoader().set("data.format=orc"));
        assertEquals("data.format", p.path());
        assertEquals("'orc' is not allowed; allowed values: auto, idx, parquet, csv, libsvm", p.message());
    }

    @Test
    void validationKeysAreCheckedAndExclusive() {
        assertEquals("data.validationFraction", only(new JobConfigLoader().set("data.train=/d/t.csv").set("data.test=/d/v.csv")
                .set("data.format=csv").set("data.validationFraction=1")).path());
        ConfigProblem both = only(new JobConfigLoader().set("data.train=/d/t.csv").set("data.test=/d/v.csv").set("data.format=csv")
                .set("data.validationFraction=0.1").set("data.validationCol=isValid"));
        assertEquals("data.validationCol", both.path());
        assertEquals("give data.validationFraction or data.validationCol, not both", both.message());
        ConfigProblem mnist = only(new JobConfigLoader().set("data.validationFraction=0.1"));
        assertEquals("data.validationFraction", mnist.path());
        assertTrue(mnist.message().contains("data.format parquet, csv or libsvm"), mnist.message());
    }

    @Test
    void shapesMustBePositiveIntegers() {
        ConfigProblem p = only(new JobConfigLoader().set("data.shape=1,x,8"));
        assertEquals("data.shape", p.path());
        assertTrue(p.message().contains("'x' is not an integer"), p.message());
        assertEquals("model.inputShape", only(new JobConfigLoader().set("model.inputShape=1,0,28")).path());
    }
}
