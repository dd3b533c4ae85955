package io.sparkgrad.trainer.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkgrad.nn.AdaptiveAvgPool2d;
import io.sparkgrad.nn.Conv2d;
import io.sparkgrad.nn.Flatten;
import io.sparkgrad.nn.Linear;
import io.sparkgrad.nn.Module;
import io.sparkgrad.nn.ReLU;
import io.sparkgrad.nn.Sequential;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The built-in models, now built from their specs, are the hand-written models they replace: the same state-dict
 * names, shapes and initial values for the same seed, and the same outputs, so the main job's result does not change.
 */
class MnistModelsTest {

    @Test
    void eachSpecBuiltModelEqualsTheHandWrittenOneForTheSameSeed() {
        for (MnistModels m : MnistModels.values()) {
            for (long seed : new long[] {1, 42}) {
                Module fromSpec = m.build(new Generator(seed), new Generator(seed));
                Module handWritten = handWritten(m, new Generator(seed));
                Map<String, Tensor> a = fromSpec.stateDict();
                Map<String, Tensor> b = handWritten.stateDict();
                assertEquals(new ArrayList<>(b.keySet()), new ArrayList<>(a.keySet()), m.id());
                for (String k : b.keySet()) {
                    assertArrayEquals(b.get(k).shape(), a.get(k).shape(), m.id() + " " + k);
                    assertArrayEquals(b.get(k).toFloatArray(), a.get(k).toFloatArray(), 0f, m.id() + " " + k);
                }
                Tensor x = Tensor.rand(new Generator(seed + 1), 5, 1, 28, 28);
                assertArrayEquals(handWritten.forward(x).toFloatArray(), fromSpec.forward(x).toFloatArray(), 0f, m.id());
            }
        }
    }

    @Test
    void theModelsKeepTheirNamesAndInputShape() {
        assertEquals(java.util.List.of("logistic", "tutorial-cnn", "mnist-cnn"), MnistModels.ids());
        assertEquals(MnistModels.MNIST_CNN, MnistModels.byId(" Mnist-CNN"));
        assertArrayEquals(new int[] {1, 28, 28}, MnistModels.TUTORIAL_CNN.inputShape());
        assertEquals("flatten linear(10)", MnistModels.LOGISTIC.spec().toString());
    }

    /** The models exactly as MnistModels built them by hand before they became specs. */
    private static Module handWritten(MnistModels m, Generator init) {
        return switch (m) {
            case LOGISTIC -> new Sequential(new Flatten(), new Linear(784, 10, true, init));
            case TUTORIAL_CNN -> new Sequential(
                    conv(1, 16, 3, 2, 1, init), new ReLU(),
                    conv(16, 16, 3, 2, 1, init), new ReLU(),
                    conv(16, 10, 3, 2, 1, init), new ReLU(),
                    new AdaptiveAvgPool2d(1), new Flatten());
            case MNIST_CNN -> new Sequential(
                    conv(1, 16, 5, 2, 2, init), new ReLU(),
                    conv(16, 32, 3, 2, 1, init), new ReLU(),
                    new Flatten(),
                    new Linear(32 * 7 * 7, 128, true, init), new ReLU(),
                    new Linear(128, 10, true, init));
        };
    }

    private static Conv2d conv(int in, int out, int kernel, int stride, int padding, Generator init) {
        return Conv2d.builder(in, out, kernel).stride(stride).padding(padding).generator(init).build();
    }
}
