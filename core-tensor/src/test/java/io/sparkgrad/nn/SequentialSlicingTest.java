package io.sparkgrad.nn;

import static io.sparkgrad.nn.LaneConvolutionTest.assertClose;
import static io.sparkgrad.nn.LaneConvolutionTest.grads;

import io.sparkgrad.kernel.Parallelism;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A large batch runs a {@link Sequential}'s leading convolutions slice by slice: outputs, every parameter's gradient
 * and the input's gradient equal those of the same batch fed in pieces too small to be sliced.
 */
class SequentialSlicingTest {

    @ParameterizedTest(name = "batch {0}, {1} thread(s)")
    @CsvSource({"300, 1", "300, 2", "128, 1", "127, 1"})
    void aSlicedBatchMatchesTheBatchInSmallPieces(int batch, int threads) {
        int before = Parallelism.numThreads();
        Parallelism.setNumThreads(threads);
        try {
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
        } finally {
            Parallelism.setNumThreads(before);
        }
    }
}
