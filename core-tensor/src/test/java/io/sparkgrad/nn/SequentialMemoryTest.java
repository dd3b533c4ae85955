package io.sparkgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.optim.Optimizer;
import io.sparkgrad.optim.SGD;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A Sequential reuses the memory of its internal activations, and of nothing a caller can see. */
class SequentialMemoryTest {

    private static Sequential cnn(long seed) {
        Generator.manualSeed(seed);
        return new Sequential(
                new Conv2d(1, 4, 3, 2, 1), new ReLU(),
                new Conv2d(4, 6, 3, 2, 1), new ReLU(),
                new Conv2d(6, 10, 3, 2, 1), new ReLU(),
                new AdaptiveAvgPool2d(1), new Flatten());
    }

    private static Tensor images(int n) {
        return Tensor.rand(new Generator(9), n, 1, 12, 12);
    }

    private static Tensor labels(int n) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 10;
        }
        return Tensor.ofInts(y, n);
    }

    /** The same layers, called one by one (no chain, so nothing is handed back), unfused. */
    private static Tensor byHand(Sequential s, Tensor x) {
        Tensor h = x;
        for (int i = 0; i < s.size(); i++) {
            h = s.get(i).forward(h);
        }
        return h;
    }

    @Test
    void trainingThroughTheChainMatchesTheLayersCalledOneByOne() {
        Sequential chained = cnn(4);
        Sequential manual = cnn(4);
        Optimizer a = SGD.momentum(chained.parameters(), 0.1f, 0.9f);
        Optimizer b = SGD.momentum(manual.parameters(), 0.1f, 0.9f);
        Tensor x = images(8);
        Tensor y = labels(8);
        for (int step = 0; step < 5; step++) {
            F.crossEntropy(chained.forward(x), y).backward();
            a.step();
            a.zeroGrad();
            F.crossEntropy(byHand(manual, x), y).backward();
            b.step();
            b.zeroGrad();
        }
        List<Parameter> pa = chained.parameters();
        List<Parameter> pb = manual.parameters();
        for (int i = 0; i < pa.size(); i++) {
            assertArrayEquals(pb.get(i).toFloatArray(), pa.get(i).toFloatArray(), 1e-6f, "parameter " + i);
        }
    }

    @Test
    void aSecondBackwardThroughTheChainFailsAsInPyTorch() {
        Sequential model = cnn(5);
        Tensor loss = F.crossEntropy(model.forward(images(4)), labels(4));
        loss.backward();
        IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(e.getMessage().contains("backward through the graph a second time"), e.getMessage());
    }

    @Test
    void theCallersInputAndOutputKeepTheirValuesThroughLaterSteps() {
        Sequential model = cnn(6);
        Optimizer opt = SGD.momentum(model.parameters(), 0.1f, 0.9f);
        Tensor x = images(4);
        float[] input = x.toFloatArray();
        Tensor out = model.forward(x);
        float[] kept = out.toFloatArray();
        F.crossEntropy(out, labels(4)).backward();
        opt.step();
        opt.zeroGrad();
        for (int step = 0; step < 3; step++) {
            F.crossEntropy(model.forward(x), labels(4)).backward();
            opt.step();
            opt.zeroGrad();
        }
        assertArrayEquals(kept, out.toFloatArray());
        assertArrayEquals(input, x.toFloatArray());
    }

    @Test
    void anActivationSeenByAUserModuleIsNotReused() {
        List<Tensor> seen = new ArrayList<>();
        Module spy = new Module() {
            @Override
            public Tensor forward(Tensor input) {
                seen.add(input);
                return input.mul(1f);
            }
        };
        Generator.manualSeed(7);
        Sequential model = new Sequential(new Conv2d(1, 4, 3, 2, 1), new ReLU(), spy, new Conv2d(4, 10, 3, 2, 1),
                new AdaptiveAvgPool2d(1), new Flatten());
        List<float[]> values = new ArrayList<>();
        for (int step = 0; step < 3; step++) {
            F.crossEntropy(model.forward(images(4)), labels(4)).backward();
            values.add(seen.get(step).toFloatArray());
        }
        for (int step = 0; step < 3; step++) {
            assertArrayEquals(values.get(step), seen.get(step).toFloatArray(), "the spy's input of step " + step);
        }
    }

    @Test
    void evalForwardsReuseActivationsAndKeepTheirOutputs() {
        Sequential model = cnn(8);
        model.eval();
        try (var noGrad = Tensor.noGrad()) {
            Tensor first = model.forward(images(4));
            float[] kept = first.toFloatArray();
            Tensor second = model.forward(images(4));
            assertArrayEquals(kept, second.toFloatArray());
            assertArrayEquals(kept, first.toFloatArray());
        }
    }
}
