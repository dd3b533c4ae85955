package io.sparkgrad.nn.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The built-in models as specs: their names, sizes and parameter counts. */
class NamedSpecTest {

    @Test
    void theBuiltInModelsHaveTheirKnownParameterCountsAndTenOutputs() {
        assertEquals(List.of("logistic", "tutorial-cnn", "mnist-cnn"), NamedSpec.names());
        assertEquals(7_850, parameters(NamedSpec.LOGISTIC));
        assertEquals(3_930, parameters(NamedSpec.TUTORIAL_CNN));
        assertEquals(207_178, parameters(NamedSpec.MNIST_CNN));
        for (NamedSpec n : NamedSpec.all()) {
            assertEquals(List.of(10), java.util.Arrays.stream(n.spec().outputShape(n.inputShapeArray())).boxed().toList(), n.name());
        }
    }

    @Test
    void namesResolveAndUnknownNamesSuggestTheNearest() {
        assertSame(NamedSpec.MNIST_CNN, NamedSpec.byName(" MNIST-CNN "));
        assertEquals(NamedSpec.LOGISTIC.spec(), NamedSpec.resolve("logistic"));
        assertEquals(ModelSpec.parse("linear(10)"), NamedSpec.resolve("linear(10)"));
        assertEquals("unknown model 'tutorial_cnn'; did you mean tutorial-cnn? Models: logistic, tutorial-cnn, mnist-cnn",
                assertThrows(ModelSpecException.class, () -> NamedSpec.byName("tutorial_cnn")).getMessage());
    }

    private static int parameters(NamedSpec n) {
        return n.spec().build(n.inputShapeArray()).parameters().stream().mapToInt(p -> p.numel()).sum();
    }
}
