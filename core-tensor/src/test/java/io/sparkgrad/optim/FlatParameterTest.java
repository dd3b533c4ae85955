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

    /** The two parameters as separate tensors with their own optimizer: what every flat layout must match bit for bit. */
    private record Separate(Tensor w, Tensor b, Optimizer opt) {
        static Separate of(Function<List<Tensor>, Optimizer> make) {
            Tensor w = Tensor.of(W0.clone(), 2, 3).requiresGrad(true);
            Tensor b = Tensor.of(B0.clone(), 2).requiresGrad(true);
            return new Separate(w, b, make.apply(List.of(w, b)));
        }

        void step() {
            opt.zeroGrad();
            lossOf(w, b).backward();
            opt.step();
        }

        /** Checks that {@code flat} holds this weight then this bias, bit for bit. */
        void assertHeldBy(float[] flat) {
            assertArrayEquals(w.toFloatArray(), java.util.Arrays.copyOfRange(flat, 0, 6), opt.name());
            assertArrayEquals(b.toFloatArray(), java.util.Arrays.copyOfRange(flat, 6, 8), opt.name());
        }
    }

    /** W0 then B0 in one buffer of 8 floats, and a gradient buffer of the same size. */
    private record Flat(float[] values, float[] grads) {
        static Flat initial() {
            float[] values = new float[8];
            System.arraycopy(W0, 0, values, 0, 6);
            System.arraycopy(B0, 0, values, 6, 2);
            return new Flat(values, new float[8]);
        }
    }

    @Test
    void viewsIntoOneFlatBufferTrainLikeSeparateTensorsBitForBit() {
        for (Function<List<Tensor>, Optimizer> make : OPTIMIZERS) {
            Separate separate = Separate.of(make);
            Flat flat = Flat.initial();
            Parameter fw = new Parameter(Tensor.wrap(flat.values(), 0, 2, 3));
            Parameter fb = new Parameter(Tensor.wrap(flat.values(), 6, 2));
            Tensor gw = Tensor.wrap(flat.grads(), 0, 2, 3);
            Tensor gb = Tensor.wrap(flat.grads(), 6, 2);
            fw.setGrad(gw);
            fb.setGrad(gb);
            Optimizer viewed = make.apply(List.of(fw, fb));

            for (int s = 0; s < 4; s++) {
                separate.step();
                viewed.zeroGrad();
                lossOf(fw, fb).backward();
                viewed.step();
            }
            separate.assertHeldBy(flat.values());
            // Still views: the flat buffers hold the trained values, and the grads were accumulated into flat.grads().
            assertSame(flat.values(), fw.data());
            assertSame(flat.values(), fb.data());
            assertSame(gw, fw.grad());
            assertArrayEquals(fw.toFloatArray(), java.util.Arrays.copyOfRange(flat.values(), 0, 6));
            assertArrayEquals(fb.toFloatArray(), java.util.Arrays.copyOfRange(flat.values(), 6, 8));
            assertArrayEquals(fw.grad().toFloatArray(), java.util.Arrays.copyOfRange(flat.grads(), 0, 6));
        }
    }

    @Test
    void driverStyleFlatArraysMatchPerTensorTrainingBitForBit() {
        for (Function<List<Tensor>, Optimizer> make : OPTIMIZERS) {
            Separate perTensor = Separate.of(make);
            // The driver: parameters and the (averaged) gradient as two plain arrays.
            Flat flat = Flat.initial();
            float[] params = flat.values();
            float[] grads = flat.grads();
            Optimizer driver = make.apply(List.of(Optimizer.flatParameter(params, grads)));

            for (int s = 0; s < 4; s++) {
                perTensor.step();
                // A worker computes the gradient at the driver's parameters and ships it as a float[].
                Tensor ww = Tensor.of(java.util.Arrays.copyOfRange(params, 0, 6), 2, 3).requiresGrad(true);
                Tensor wb = Tensor.of(java.util.Arrays.copyOfRange(params, 6, 8), 2).requiresGrad(true);
                lossOf(ww, wb).backward();
                System.arraycopy(ww.grad().toFloatArray(), 0, grads, 0, 6);
                System.arraycopy(wb.grad().toFloatArray(), 0, grads, 6, 2);
                driver.step();
            }
            perTensor.assertHeldBy(params);
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
