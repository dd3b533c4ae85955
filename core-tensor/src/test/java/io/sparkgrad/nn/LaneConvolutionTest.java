package io.sparkgrad.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sparkgrad.kernel.Conv2dGeometry;
import io.sparkgrad.kernel.LaneConv;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Convolutions of a whole batch run in lanes over samples and hand their output on as a strided view; checked against
 * the same model fed one sample at a time (a batch of one never takes the lane path), values and every parameter's
 * gradient, through the fused chain of a {@link Sequential} and through functional ReLUs that read the views.
 */
class LaneConvolutionTest {

    private static final int BATCH = 36; // 3 vectors of 16 lanes, the last one partly spare; 5 of 8 on AVX2

    @BeforeEach
    void lanesAvailable() {
        assumeTrue(LaneConv.accepts(Conv2dGeometry.of(BATCH, 16, 14, 14, 16, 3, 2, 1, 1, 1)), "no lane path here");
    }

    @Test
    void aSequentialCnnMatchesItsOneSampleAtATimeTwin() {
        Generator.manualSeed(5);
        Sequential model = new Sequential(
                new Conv2d(1, 16, 3, 2, 1), new ReLU(),
                new Conv2d(16, 16, 3, 2, 1), new ReLU(),
                new Conv2d(16, 10, 3, 2, 1), new ReLU(),
                new AdaptiveAvgPool2d(1), new Flatten());
        checkAgainstOneByOne(model, Tensor.randn(new Generator(7), BATCH, 1, 28, 28));
    }

    @Test
    void convolutionsWithoutReluAndWithOtherGeometriesMatchToo() {
        Generator.manualSeed(6);
        // conv -> conv in place (border 1 >= padding 1), -> ReLU -> conv with padding 0, stride 1, a 2x2 kernel.
        Sequential model = new Sequential(
                new Conv2d(3, 8, 3, 1, 1), new Conv2d(8, 6, 3, 2, 1), new ReLU(), new Conv2d(6, 4, 2, 1, 0));
        checkAgainstOneByOne(model, Tensor.randn(new Generator(8), BATCH, 3, 9, 9));
    }

    @Test
    void aBorderNarrowerThanTheNextPaddingIsRepackedNotMisread() {
        Generator.manualSeed(7);
        // The first output has a border of 0 (its own padding); the second convolution pads by 2.
        Sequential model = new Sequential(new Conv2d(2, 4, 3, 1, 0), new ReLU(), new Conv2d(4, 3, 5, 1, 2));
        checkAgainstOneByOne(model, Tensor.randn(new Generator(9), BATCH, 2, 8, 8));
    }

    @Test
    void outputsThatLeaveTheChainAreContiguousNchw() {
        Generator.manualSeed(9);
        Conv2d conv = new Conv2d(2, 5, 3, 1, 1);
        Tensor x = Tensor.randn(new Generator(10), BATCH, 2, 6, 6);
        Tensor y = conv.forward(x);
        assertTrue(y.isContiguous(), "a lone convolution's output");
        assertEquals(BATCH * 5 * 36, y.view(BATCH, -1).numel());
        Sequential chain = new Sequential(new Conv2d(2, 4, 3, 1, 1), new ReLU(), new Conv2d(4, 5, 3, 1, 1));
        Tensor z = chain.forward(x);
        assertTrue(z.isContiguous(), "the last convolution of a chain hands its output out as NCHW");
        assertClose("chain", concat(chain, x), z.toFloatArray());
    }

    @Test
    void aLookalikeViewIsReadInPlaceOnlyWhenItsBorderIsZero() {
        Generator.manualSeed(11);
        Conv2d conv = new Conv2d(2, 3, 3, 1, 1);
        int npad = (BATCH + LaneConv.lanes() - 1) / LaneConv.lanes() * LaneConv.lanes();
        // The lane layout's strides, but the border holds data: reading it as padding would be wrong.
        Tensor buffer = Tensor.randn(new Generator(12), 2, 8, 8, npad);
        Tensor x = buffer.permute(3, 0, 1, 2).narrow(0, 0, BATCH).narrow(2, 1, 6).narrow(3, 1, 6);
        assertClose("data in the border", concat(conv, x.contiguous()), conv.forward(x).toFloatArray());
        // The same view with the border zeroed is a lane view: read in place, with the same result as NCHW.
        float[] b = buffer.data();
        for (int c = 0; c < 2; c++) {
            for (int yy = 0; yy < 8; yy++) {
                for (int xx = 0; xx < 8; xx++) {
                    if (yy == 0 || yy == 7 || xx == 0 || xx == 7) {
                        java.util.Arrays.fill(b, ((c * 8 + yy) * 8 + xx) * npad, ((c * 8 + yy) * 8 + xx + 1) * npad, 0f);
                    }
                }
            }
        }
        assertTrue(LaneConvolution.inLanes(x, 1) != null, "a zero border makes it a lane view");
        assertClose("zero border", concat(conv, x.contiguous()), conv.forward(x).toFloatArray());
    }

    @Test
    void aSecondBackwardThroughTheChainFailsInsteadOfReadingReusedMemory() {
        Generator.manualSeed(13);
        Sequential model = new Sequential(new Conv2d(1, 4, 3, 2, 1), new ReLU(), new Conv2d(4, 3, 3, 2, 1));
        Tensor loss = model.forward(Tensor.randn(new Generator(14), BATCH, 1, 12, 12)).sum();
        loss.backward();
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                loss::backward);
        assertTrue(e.getMessage().contains("a second time"), e.getMessage());
    }

    /** The model on the whole batch against the model on each sample: outputs and every parameter's gradient. */
    private static void checkAgainstOneByOne(Module model, Tensor x) {
        Tensor out = model.forward(x);
        Tensor weights = Tensor.randn(new Generator(99), out.shape());
        out.mul(weights).sum().backward();
        List<float[]> batchGrads = grads(model);
        model.zeroGrad();
        List<Tensor> outs = new ArrayList<>();
        for (int i = 0; i < x.size(0); i++) {
            Tensor oi = model.forward(x.narrow(0, i, 1));
            oi.mul(weights.narrow(0, i, 1)).sum().backward();
            outs.add(oi);
        }
        assertClose("output", Tensor.cat(outs, 0).toFloatArray(), out.contiguous().toFloatArray());
        List<float[]> oneGrads = grads(model);
        for (int k = 0; k < oneGrads.size(); k++) {
            assertClose("gradient of parameter " + k, oneGrads.get(k), batchGrads.get(k));
        }
    }

    /** Every parameter's gradient, in parameter order. */
    static List<float[]> grads(Module model) {
        List<float[]> g = new ArrayList<>();
        for (Parameter p : model.parameters()) {
            g.add(p.grad().toFloatArray());
        }
        return g;
    }

    private static float[] concat(Module conv, Tensor x) {
        List<Tensor> outs = new ArrayList<>();
        for (int i = 0; i < x.size(0); i++) {
            outs.add(conv.forward(x.narrow(0, i, 1)));
        }
        return Tensor.cat(outs, 0).toFloatArray();
    }

    /** Elementwise within 1e-5 of the largest magnitude plus 1e-4 relative; all-zero expectations prove nothing. */
    static void assertClose(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + " size");
        double scale = 0;
        for (float v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        assertTrue(scale > 0, what + " is all zeros");
        for (int i = 0; i < expected.length; i++) {
            double tol = 1e-5 * scale + 1e-4 * Math.abs(expected[i]);
            assertTrue(Math.abs(expected[i] - actual[i]) <= tol,
                    what + " at " + i + ": expected " + expected[i] + " got " + actual[i]);
        }
    }
}
