package io.sparkgrad.nn;

import static io.sparkgrad.nn.LaneConvolutionTest.assertClose;
import static io.sparkgrad.nn.LaneConvolutionTest.grads;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.kernel.WithThreads;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A {@link Sequential}'s leading convolutions run a batch in slices (one thread: a large batch slice by slice; more:
 * each thread its own slices, forward and backward): outputs, every parameter's gradient and the input's gradient
 * equal those of the same batch fed in pieces too small to be sliced.
 */
class SequentialSlicingTest {

    @ParameterizedTest(name = "batch {0}, {1} thread(s)")
    @CsvSource({"300, 1", "128, 1", "127, 1", "300, 2", "64, 2", "200, 3"})
    void aSlicedBatchMatchesTheBatchInSmallPieces(int batch, int threads) {
        WithThreads.run(threads, () -> {
            Generator.manualSeed(21);
            Sequential model = new Sequential(
                    new Conv2d(1, 8, 3, 2, 1), new ReLU(),
                    new Conv2d(8, 8, 3, 2, 1), new ReLU(),
                    new Conv2d(8, 10, 3, 1, 1), new ReLU(),
                    new AdaptiveAvgPool2d(1), new Flatten(), new Linear(10, 4));
            Tensor x = Tensor.randn(new Generator(22), batch, 1, 12, 12).requiresGrad(true);
            Tensor out = model.forward(x);
            Tensor weights = Tensor.randn(new Generator(23), out.shape());
            out.mul(weights).sum().backward();
            List<float[]> whole = grads(model);
            float[] wholeInput = x.grad().toFloatArray();
            model.zeroGrad();

            assertTrue(batch < 128 && threads == 1 || Sequential.sliceBounds(batch, threads).length > threads,
                    "the batch is sliced");
            // Pieces of 16: under any slicing threshold, still on the lane path.
            Tensor x2 = Tensor.of(x.toFloatArray(), x.shape()).requiresGrad(true);
            List<Tensor> outs = new ArrayList<>();
            for (int from = 0; from < batch; from += 16) {
                int n = Math.min(16, batch - from);
                Tensor oi = model.forward(x2.narrow(0, from, n));
                oi.mul(weights.narrow(0, from, n)).sum().backward();
                outs.add(oi);
            }
            assertClose("output", Tensor.cat(outs, 0).toFloatArray(), out.contiguous().toFloatArray());
            List<float[]> pieces = grads(model);
            for (int k = 0; k < pieces.size(); k++) {
                assertClose("gradient of parameter " + k, pieces.get(k), whole.get(k));
            }
            assertClose("input gradient", x2.grad().toFloatArray(), wholeInput);
        });
    }

    /** The usual case: images that need no gradient, a frozen layer, and the same model evaluated without a graph. */
    @ParameterizedTest(name = "{0} thread(s)")
    @CsvSource({"1", "2"})
    void anInputWithoutGradAndAFrozenLayerTrainTheRestAsInPieces(int threads) {
        WithThreads.run(threads, () -> {
            Generator.manualSeed(31);
            Conv2d frozen = new Conv2d(8, 8, 3, 2, 1);
            for (Parameter p : frozen.parameters()) {
                p.requiresGrad(false);
            }
            Sequential model = new Sequential(new Conv2d(1, 8, 3, 2, 1), new ReLU(), frozen, new ReLU(),
                    new Conv2d(8, 6, 3, 1, 1), new AdaptiveAvgPool2d(1), new Flatten());
            int batch = 256;
            Tensor x = Tensor.randn(new Generator(32), batch, 1, 12, 12);
            Tensor weights = Tensor.randn(new Generator(33), batch, 6);
            Tensor out = model.forward(x);
            out.mul(weights).sum().backward();
            List<float[]> whole = trainedGrads(model);
            assertNull(frozen.weight().grad(), "a frozen layer gets no gradient");
            float[] evaluated;
            try (var ignored = Tensor.noGrad()) {
                evaluated = model.forward(x).toFloatArray();
            }
            assertArrayEquals(out.toFloatArray(), evaluated, "the same values without a graph");
            model.zeroGrad();

            for (int from = 0; from < batch; from += 16) {
                model.forward(x.narrow(0, from, 16)).mul(weights.narrow(0, from, 16)).sum().backward();
            }
            List<float[]> pieces = trainedGrads(model);
            assertTrue(pieces.size() == whole.size() && pieces.size() == 4, "gradients of the two trained layers");
            for (int k = 0; k < pieces.size(); k++) {
                assertClose("gradient of parameter " + k, pieces.get(k), whole.get(k));
            }
        });
    }

    @Test
    void aSecondBackwardThroughTheThreadsSlicesIsRefusedAsForAnyChain() {
        WithThreads.run(2, () -> {
            Sequential model = new Sequential(new Conv2d(1, 4, 3, 2, 1), new ReLU(), new Conv2d(4, 4, 3, 2, 1),
                    new AdaptiveAvgPool2d(1), new Flatten());
            Tensor loss = model.forward(Tensor.randn(new Generator(34), 128, 1, 12, 12)).sum();
            loss.backward();
            IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
            assertTrue(e.getMessage().contains("backward through the graph a second time"), e.getMessage());
        });
    }

    @Test
    void slicesCoverTheBatchInWholeLaneVectorsTheSameNumberPerThread() {
        int lanes = io.sparkgrad.kernel.LaneConv.lanes();
        assertNull(Sequential.sliceBounds(127, 1), "one thread: under two slices, whole");
        assertNull(Sequential.sliceBounds(2 * Sequential.MIN_PER_THREAD - 1, 2), "too few samples per thread");
        for (int threads = 1; threads <= 4; threads++) {
            for (int n = 1; n <= 1100; n += 7) {
                int[] b = Sequential.sliceBounds(n, threads);
                if (b == null) {
                    continue;
                }
                int count = b.length - 1;
                assertTrue(threads == 1 || count % threads == 0, count + " slices for " + threads + " threads");
                assertTrue(b[0] == 0 && b[count] == n, "the slices cover all " + n + " samples");
                for (int k = 0; k < count; k++) {
                    int size = b[k + 1] - b[k];
                    assertTrue(size > 0 && size <= Sequential.SLICE + lanes, "slice " + k + " of " + n + ": " + size);
                    assertTrue(k == count - 1 || size % lanes == 0, "slice " + k + " of " + n + " holds whole lane vectors");
                }
            }
        }
    }

    private static List<float[]> trainedGrads(Module model) {
        List<float[]> g = new ArrayList<>();
        for (Parameter p : model.parameters()) {
            if (p.requiresGrad()) {
                g.add(p.grad().toFloatArray());
            }
        }
        return g;
    }
}
