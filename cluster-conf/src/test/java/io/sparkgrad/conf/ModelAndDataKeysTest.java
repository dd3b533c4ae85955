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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
    }

    /**
     * A bad model or data value is one problem at its key, whose message says what is wrong ({@code is}: the whole
     * message; {@code has}: a part of it; {@code -}: the key alone is checked). Settings are separated by {@code ;}.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            model.layers=linear(32) relu lnear(10) | model.layers            | has | layer 3
            model.layers=conv2d(4, 3)              | model.layers            | has | [classes]
            data.format=orc                        | data.format             | is  | 'orc' is not allowed; allowed values: auto, idx, parquet, csv, libsvm
            data.train=/d/t.csv;data.test=/d/v.csv;data.format=csv;data.validationFraction=1 | data.validationFraction | -   |
            data.train=/d/t.csv;data.test=/d/v.csv;data.format=csv;data.validationFraction=0.1;data.validationCol=isValid | data.validationCol | is | give data.validationFraction or data.validationCol, not both
            data.validationFraction=0.1            | data.validationFraction | has | data.format parquet, csv or libsvm
            data.shape=1,x,8                       | data.shape              | has | 'x' is not an integer
            model.inputShape=1,0,28                | model.inputShape        | -   |
            """)
    void aBadValueIsOneProblemAtItsKey(String settings, String path, String how, String message) {
        JobConfigLoader loader = new JobConfigLoader();
        for (String setting : settings.split(";")) {
            loader.set(setting);
        }
        ConfigProblem p = only(loader);
        assertEquals(path, p.path(), p.toString());
        switch (how) {
            case "is" -> assertEquals(message, p.message());
            case "has" -> assertTrue(p.message().contains(message), p.message());
            default -> assertEquals("-", how);
        }
    }
}
