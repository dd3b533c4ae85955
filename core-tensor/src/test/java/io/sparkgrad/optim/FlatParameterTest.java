package io.sparkgrad.optim;

import static io.sparkgrad.optim.SGDTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.sparkgrad.nn.F;
import io.sparkgrad.nn.Parameter;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Parameters living in one flat float[] (what nn.FlatParameters and the distributed trainer's driver use): the
 * optimizers update the buffer in place, views stay views, and the result is bit-identical to separate tensors.
 */
class FlatParameterTest {

    private static final Tensor X = Tensor.randn(new Generator(1), 8, 3);
    private static final Tensor Y = Tensor.randn(new Generator(2), 8, 2);
    private static final float[] W0 = Tensor.randn(new Generator(3), 2, 3).toFloatArray();
    private static final float[] B0 = {0.1f, -0.2f};

    private static final List<Function<List<Tensor>, Optimizer>> OPTIMIZERS = List.of(
            ps -> SGD.builder(ps).lr(0.1).momentum(0.9).weightDecay(0.05).build(),
            ps -> SGD.nesterov(ps, 0.05, 0.8),
            ps -> Adam.builder(ps).lr(0.01).weightDecay(0.1).amsgrad(true).build(),
            ps -> new AdamW(ps, 0.01));

    private static Tensor lossOf(Tensor w, Tensor b) {
        return F.mseLoss(F.linear(X, w, b), Y);
    }

    @Test
    void viewsIntoOneFlatBufferTrainLikeSeparateTensorsBitForBit() {
        for (Function<List<Tensor>, Optimizer> make : OPTIMIZERS) {
            Tensor w = Tensor.of(W0.clone(), 2, 3).requiresGrad(true);
            Tensor b = Tensor.of(B0.clone(), 2).requiresGrad(true);
            Optimizer separate = make.apply(List.of(w, b));

            float[] flat = new float[8];
            float[] flatGrad = new float[8];
            System.arraycopy(W0, 0, flat, 0, 6);
            System.arraycopy(B0, 0, flat, 6, 2);
            Parameter fw = new Parameter(Tensor.wrap(flat, 0, 2, 3));
            Parameter fb = new Parameter(Tensor.wrap(flat, 6, 2));
            Tensor gw = Tensor.wrap(flatGrad, 0, 2, 3);
            Tensor gb = Tensor.wrap(flatGrad, 6, 2);
            fw.setGrad(gw);
            fb.setGrad(gb);
            Optimizer viewed = make.apply(List.of(fw, fb));

            for (int s = 0; s < 4; s++) {
                separate.zeroGrad();
                lossOf(w, b).backward();
                separate.step();
                viewed.zeroGrad();
                lossOf(fw, fb).backward();
                viewed.step();
            }
            assertArrayEquals(w.toFloatArray(), fw.toFloatArray(), separate.name());
            assertArrayEquals(b.toFloatArray(), fb.toFloatArray(), separate.name());
            // Still views: the flat buffers hold the trained values, and the grads were accumulated into flatGrad.
            assertSame(flat, fw.data());
            assertSame(flat, fb.data());
            assertSame(gw, fw.grad());
            assertArrayEquals(fw.toFloatArray(), java.util.Arrays.copyOfRange(flat, 0, 6));
            assertArrayEquals(fb.toFloatArray(), java.util.Arrays.copyOfRange(flat, 6, 8));
            assertArrayEquals(fw.grad().toFloatArray(), java.util.Arrays.copyOfRange(flatGrad, 0, 6));
        }
    }

    @Test
    void driverStyleFlatArraysMatchPerTensorTrainingBitForBit() {
        for (Function<List<Tensor>, Optimizer> make : OPTIMIZERS) {
            Tensor w = Tensor.of(W0.clone(), 2, 3).requiresGrad(true);
            Tensor b = Tensor.of(B0.clone(), 2).requiresGrad(true);
            Optimizer perTensor = make.apply(List.of(w, b));

            // The driver: parameters and the (averaged) gradient as two plain arrays.
            float[] params = new float[8];
            float[] grads = new float[8];
            System.arraycopy(W0, 0, params, 0, 6);
            System.arraycopy(B0, 0, params, 6, 2);
            Optimizer driver = make.apply(List.of(Optimizer.flatParameter(params, grads)));

            for (int s = 0; s < 4; s++) {
                perTensor.zeroGrad();
                lossOf(w, b).backward();
                // A worker computes the gradient at the driver's parameters and ships it as a float[].
                Tensor ww = Tensor.of(java.util.Arrays.copyOfRange(params, 0, 6), 2, 3).requiresGrad(true);
                Tensor wb = Tensor.of(java.util.Arrays.copyOfRange(params, 6, 8), 2).requiresGrad(true);
                lossOf(ww, wb).backward();
                System.arraycopy(ww.grad().toFloatArray(), 0, grads, 0, 6);
                System.arraycopy(wb.grad().toFloatArray(), 0, grads, 6, 2);
                perTensor.step();
                driver.step();
            }
            assertArrayEquals(w.toFloatArray(), java.util.Arrays.copyOfRange(params, 0, 6), perTensor.name());
            assertArrayEquals(b.toFloatArray(), java.util.Arrays.copyOfRange(params, 6, 8), perTensor.name());
            OptimizerState st = driver.stateDict();
            assertEquals(4L, st.steps().get("0.step"));
            st.buffers().values().forEach(buf -> assertEquals(8, buf.length));
        }
    }

    @Test
    void flatParameterArraysMustHaveTheSameLength() {
        assertMessage("flat parameter array has 3 floats but the gradient array has 2",
                () -> Optimizer.flatParameter(new float[3], new float[2]));
    }
}
