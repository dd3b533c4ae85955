package io.sparkgrad.nn.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The text form of a model spec: canonical text, equivalent spellings, the YAML-list form, and every syntax error. */
class ModelSpecParseTest {
    private static final String CNN =
            "conv2d(16, 5, stride=2, padding=2) relu conv2d(32, 3, stride=2, padding=1) relu flatten linear(128) relu linear(10)";

    @Test
    void canonicalTextIsTheIssuesFormAndParsesBackToAnEqualSpec() {
        ModelSpec spec = ModelSpec.parse(CNN);
        assertEquals(CNN, spec.toString());
        assertEquals(spec, ModelSpec.parse(spec.toString()));
        assertEquals(8, spec.layers().size());
        assertEquals(LayerKind.CONV2D, spec.layers().get(0).kind());
        assertEquals(2, spec.layers().get(0).intArg("stride"));
        assertEquals(128, spec.layers().get(5).intArg("out_features"));
    }

    @Test
    void positionalKeywordAndDefaultSpellingsOfALayerAreEqual() {
        LayerSpec canonical = LayerSpec.parse("conv2d(16, 5, stride=2, padding=2)");
        assertEquals(canonical, LayerSpec.parse("conv2d(16, 5, 2, 2)"));
        assertEquals(canonical, LayerSpec.parse("conv2d(out_channels=16, kernel_size=5, padding=2, stride=2, bias=true)"));
        assertEquals(canonical, LayerSpec.parse("  Conv2d ( 16 ,5,stride = 2,padding=2 )  "));
        assertEquals("conv2d(16, 5)", LayerSpec.parse("conv2d(16, 5, stride=1, padding=0, bias=True)").toString());
        assertEquals("conv2d(16, 5, bias=false)", LayerSpec.parse("conv2d(16, 5, bias=False)").toString());
        assertEquals("linear(10, bias=false)", LayerSpec.parse("linear(10, false)").toString());
        assertEquals(LayerSpec.parse("relu"), LayerSpec.parse("ReLU()"));
        assertNotEquals(LayerSpec.parse("linear(10)"), LayerSpec.parse("linear(10, bias=false)"));
    }

    @Test
    void poolStrideDefaultsToTheKernelSize() {
        LayerSpec pool = LayerSpec.parse("maxpool2d(2)");
        assertEquals(2, pool.intArg("stride"));
        assertEquals("maxpool2d(2)", LayerSpec.parse("maxpool2d(2, stride=2)").toString());
        assertEquals("maxpool2d(3, stride=2, padding=1)", LayerSpec.parse("maxpool2d(3, 2, 1)").toString());
        assertEquals(4, LayerSpec.parse("avgpool2d(4)").intArg("stride"));
    }

    @Test
    void everyLayerKindRoundTripsWithNonDefaultArguments() {
        String all = "conv2d(8, 3, stride=2, padding=1, bias=false) batchnorm2d(eps=0.001, momentum=0.2) leakyrelu(negative_slope=0.2) "
                + "maxpool2d(3, stride=1, padding=1) avgpool2d(2, stride=1) gelu adaptiveavgpool2d(2) dropout(p=0.25) sigmoid tanh "
                + "flatten linear(16, bias=false) relu softmax(dim=-1) logsoftmax(dim=0)";
        ModelSpec spec = ModelSpec.parse(all);
        assertEquals(all, spec.toString());
        assertEquals(LayerKind.values().length, spec.layers().stream().map(LayerSpec::kind).distinct().count());
        assertEquals("batchnorm2d(eps=1e-06)", LayerSpec.parse("batchnorm2d(1e-6)").toString());
        assertEquals(LayerSpec.parse("batchnorm2d(1e-6)"), LayerSpec.parse(LayerSpec.parse("batchnorm2d(1e-6)").toString()));
        assertEquals("dropout", LayerSpec.parse("dropout(0.5)").toString());
        assertEquals("dropout(p=1.0)", LayerSpec.parse("dropout(1)").toString());
        assertEquals("leakyrelu(negative_slope=-0.5)", LayerSpec.parse("leakyrelu(-.5)").toString());
    }

    @Test
    void aYamlListHoldsOneLayerPerElement() {
        ModelSpec fromList = ModelSpec.parse(List.of("conv2d(16, 5, stride=2, padding=2)", "relu", "conv2d(32, 3, stride=2, padding=1)",
                "relu", "flatten", "linear(128)", "relu", "linear(10)"));
        assertEquals(ModelSpec.parse(CNN), fromList);

        var two = assertThrows(ModelSpecException.class, () -> ModelSpec.parse(List.of("flatten", "linear(10) relu")));
        assertEquals("layer 2 'linear(10) relu' holds 2 layers; give one layer per list element", two.getMessage());
        var bad = assertThrows(ModelSpecException.class, () -> ModelSpec.parse(List.of("flatten", "linear(128)", "lineer(10)")));
        assertTrue(bad.getMessage().startsWith("layer 3 lineer(10) (column 1): unknown layer 'lineer'; did you mean linear?"),
                bad.getMessage());
        assertThrows(ModelSpecException.class, () -> ModelSpec.parse(List.of("flatten", " ")));
    }

    /** How a row of {@link #everySpecErrorSaysWhereAndWhatIsWrong} checks the message. */
    enum Match {
        IS, STARTS, ENDS, CONTAINS;

        boolean test(String message, String expected) {
            return switch (this) {
                case IS -> message.equals(expected);
                case STARTS -> message.startsWith(expected);
                case ENDS -> message.endsWith(expected);
                case CONTAINS -> message.contains(expected);
            };
        }
    }

    /**
     * Every kind of error: an unknown layer or keyword names the nearest valid one; an argument given twice, of the
     * wrong type or missing, or too many arguments, say so; a syntax error names its column.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            flatten conv2(16, 3) relu                | STARTS   | layer 2 conv2(16, 3) (column 9): unknown layer 'conv2'; did you mean conv2d? Layers: conv2d, linear, maxpool2d
            flatten lnear(10)                        | CONTAINS | did you mean linear?
            conv2d(16, 3, strides=2)                 | IS       | layer 1 conv2d(16, 3, strides=2) (column 15): unknown argument 'strides' for conv2d; did you mean stride? conv2d(out_channels, kernel_size, stride=1, padding=0, bias=true)
            relu(inplace=true)                       | CONTAINS | unknown argument 'inplace' for relu, which takes none
            relu conv2d(16, 3, stride=2, stride=1)   | IS       | layer 2 conv2d(16, 3, stride=2, stride=1) (column 30): argument 'stride' given twice
            conv2d(16, 3, kernel_size=3)             | ENDS     | argument 'kernel_size' given twice (by position and by name)
            conv2d(16.5, 3)                          | IS       | layer 1 conv2d(16.5, 3) (column 8): out_channels must be a positive int, got 16.5
            dropout(p=1.5)                           | ENDS     | p must be a float in [0, 1], got 1.5
            linear(10, bias=1)                       | ENDS     | bias must be true or false, got 1
            conv2d(16, 3, padding=-1)                | ENDS     | padding must be an int >= 0, got -1
            linear(0)                                | ENDS     | out_features must be a positive int, got 0
            dropout(p=true)                          | ENDS     | p must be a float in [0, 1], got true
            conv2d(16, (3, 5))                       | CONTAINS | tuples are not supported
            linear(99999999999)                      | ENDS     | out_features must be a positive int, got 99999999999
            conv2d(16)                               | IS       | layer 1 conv2d(16) (column 1): missing required argument 'kernel_size': conv2d(out_channels, kernel_size, stride=1, padding=0, bias=true)
            linear                                   | CONTAINS | missing required argument 'out_features'
            linear(10, true, 3)                      | ENDS     | linear takes at most 2 arguments: linear(out_features, bias=true)
            conv2d(out_channels=16, 3)               | ENDS     | positional argument follows keyword argument
            relu linear(10))                         | IS       | column 16: unexpected ')' after layer 2 linear(10) (layers are separated by spaces)
            flatten, linear(10)                      | IS       | column 8: unexpected ',' after layer 1 flatten (layers are separated by spaces)
            flatten linear(10                        | IS       | layer 2 linear(10 (column 18): expected ',' or ')', found the end of the text
            flatten linear(10) ) relu                | IS       | layer 3 (column 20): expected a layer name, found ')'
            """)
    void everySpecErrorSaysWhereAndWhatIsWrong(String spec, Match match, String expected) {
        String message = error(spec);
        assertTrue(match.test(message, expected), () -> "expected a message that " + match + " '" + expected + "', got: " + message);
    }

    @Test
    void aSpecSurvivesJavaSerialization() throws Exception {
        ModelSpec spec = ModelSpec.parse(CNN + " dropout(0.1) batchnorm2d(eps=0.001)");
        var bytes = new java.io.ByteArrayOutputStream();
        try (var out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(spec);
        }
        try (var in = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            assertEquals(spec, in.readObject());
        }
    }

    /** The message of the error that parsing {@code spec} raises. */
    private static String error(String spec) {
        return assertThrows(ModelSpecException.class, () -> ModelSpec.parse(spec)).getMessage();
    }

    @Test
    void anEmptySpecIsAnError() {
        assertTrue(error("  ").contains("at least one layer"));
        assertThrows(ModelSpecException.class, () -> ModelSpec.parse(List.of()));
    }
}
