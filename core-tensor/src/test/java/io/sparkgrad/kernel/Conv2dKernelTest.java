package io.sparkgrad.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RestoreThreadCount.class)
class Conv2dKernelTest {

    /** Stride, padding, dilation, groups, non-square inputs and kernels, batches that split into sub-batches. */
    private static final List<Conv2dGeometry> GEOMETRIES = List.of(
            Conv2dGeometry.of(2, 1, 28, 28, 16, 3, 2, 1, 1, 1),
            Conv2dGeometry.of(3, 16, 14, 14, 16, 3, 2, 1, 1, 1),
            Conv2dGeometry.of(2, 16, 7, 7, 10, 3, 2, 1, 1, 1),
            new Conv2dGeometry(2, 3, 9, 7, 4, 5, 3, 1, 2, 2, 1, 1, 1, 1),
            new Conv2dGeometry(1, 4, 11, 8, 6, 3, 2, 3, 1, 0, 2, 2, 1, 2),
            new Conv2dGeometry(3, 6, 10, 9, 9, 3, 3, 2, 1, 1, 2, 1, 2, 3),
            new Conv2dGeometry(2, 4, 6, 13, 4, 1, 1, 1, 1, 0, 0, 1, 1, 4),
            new Conv2dGeometry(4, 2, 5, 5, 3, 5, 5, 1, 1, 2, 2, 1, 1, 1),
            new Conv2dGeometry(7, 3, 40, 40, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1),
            new Conv2dGeometry(5, 8, 8, 6, 8, 2, 3, 2, 1, 0, 1, 3, 2, 2),
            new Conv2dGeometry(3, 5, 9, 10, 21, 3, 2, 2, 3, 2, 1, 2, 1, 1),
            new Conv2dGeometry(2, 19, 6, 5, 3, 2, 2, 1, 1, 1, 0, 1, 1, 1),
            new Conv2dGeometry(3, 2, 5, 7, 5, 2, 3, 1, 2, 1, 0, 2, 1, 1),
            new Conv2dGeometry(2, 1, 10, 8, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1));

    /** What a test checks for one geometry, given random input {@code x} and weight {@code w} drawn for it. */
    private interface ConvCase {
        void check(Conv2dGeometry g, float[] x, float[] w, SplittableRandom rnd, String what);
    }

    /** Runs {@code check} for every geometry at one and two threads, with {@code x} and {@code w} drawn from {@code seed}. */
    private static void forEveryGeometry(long seed, ConvCase check) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Reference.atOneAndTwoThreads(GEOMETRIES, (g, what) -> check.check(g, Reference.random(rnd, g.inputSize()),
                Reference.random(rnd, g.weightSize()), rnd, what));
    }

    /** The backward entry points' shared signature ({@link Conv2dKernel#backward}, {@link Conv2dKernel#backwardIm2col}). */
    private interface Backward {
        void run(Conv2dGeometry g, float[] x, int xOff, float[] w, int wOff, float[] gy, int gyOff, float[] gx, int gxOff,
                float[] gw, int gwOff, float[] gb, int gbOff, boolean accumulate);
    }

    /**
     * Runs {@code backward} into gradients filled with NaN (so it must write every element) and checks all three against
     * the adjoint loops; returns the reference gradients (input, weight, bias).
     */
    private static float[][] assertBackwardWritesTheReference(Backward backward, Conv2dGeometry g, float[] x, float[] w,
            float[] gy, String what) {
        float[][] ref = Reference.convBackward(g, x, w, gy);
        float[] gx = filled(g.inputSize(), Float.NaN);
        float[] gw = filled(g.weightSize(), Float.NaN);
        float[] gb = filled(g.o(), Float.NaN);
        backward.run(g, x, 0, w, 0, gy, 0, gx, 0, gw, 0, gb, 0, false);
        Reference.assertClose("grad input " + what, ref[0], gx, 1e-4, 1e-5);
        Reference.assertClose("grad weight " + what, ref[1], gw, 1e-4, 1e-4);
        Reference.assertClose("grad bias " + what, ref[2], gb, 1e-4, 1e-4);
        return ref;
    }

    @Test
    void forwardMatchesTheDirectLoopsWithAndWithoutBiasAtOneAndTwoThreads() {
        forEveryGeometry(1, (g, x, w, rnd, what) -> {
            float[] b = rnd.nextBoolean() ? Reference.random(rnd, g.o()) : null;
            float[] y = new float[g.outputSize() + 3];
            java.util.Arrays.fill(y, Float.NaN);
            Conv2dKernel.forward(g, x, 0, w, 0, b, 0, y, 3);
            float[] expected = Reference.convForward(g, x, w, b);
            Reference.assertClose("forward " + what, expected, 0, y, 3, expected.length, 1e-4, 1e-5);
        });
    }

    /** The per-thread scratch buffers are shared by all layers: leftovers in them must never leak into results. */
    @Test
    void resultsDoNotDependOnWhatTheScratchBuffersHeldBefore() {
        Parallelism.setNumThreads(1);
        SplittableRandom rnd = new SplittableRandom(6);
        for (Conv2dGeometry g : GEOMETRIES) {
            float[] x = Reference.random(rnd, g.inputSize());
            float[] w = Reference.random(rnd, g.weightSize());
            float[] gy = Reference.random(rnd, g.outputSize());
            for (int slot : new int[] {Scratch.COL, Scratch.OUT, Scratch.GRAD_OUT, Scratch.PLANES,
                Scratch.GRAD_PLANES}) {
                java.util.Arrays.fill(Scratch.floats(slot, 1 << 18), Float.NaN);
            }
            float[] y = new float[g.outputSize()];
            Conv2dKernel.forward(g, x, 0, w, 0, null, 0, y, 0);
            Reference.assertClose("forward after NaN scratch " + g, Reference.convForward(g, x, w, null), y, 1e-4,
                    1e-5);
            for (int slot : new int[] {Scratch.COL, Scratch.OUT, Scratch.GRAD_OUT, Scratch.PLANES,
                Scratch.GRAD_PLANES}) {
                java.util.Arrays.fill(Scratch.floats(slot, 1 << 18), Float.NaN);
            }
            float[][] ref = Reference.convBackward(g, x, w, gy);
            float[] gx = new float[g.inputSize()];
            float[] gw = new float[g.weightSize()];
            Conv2dKernel.backward(g, x, 0, w, 0, gy, 0, gx, 0, gw, 0, null, 0, false);
            Reference.assertClose("grad input after NaN scratch " + g, ref[0], gx, 1e-4, 1e-5);
            Reference.assertClose("grad weight after NaN scratch " + g, ref[1], gw, 1e-4, 1e-4);
        }
    }

    @Test
    void fusedReluForwardEqualsConvThenRelu() {
        forEveryGeometry(5, (g, x, w, rnd, what) -> {
            float[] b = Reference.random(rnd, g.o());
            float[] expected = Reference.convForward(g, x, w, b);
            for (int i = 0; i < expected.length; i++) {
                expected[i] = Math.max(expected[i], 0f);
            }
            float[] y = new float[g.outputSize()];
            Conv2dKernel.forward(g, x, 0, w, 0, b, 0, y, 0, true);
            Reference.assertClose("conv+relu " + what, expected, y, 1e-4, 1e-5);
        });
    }

    @Test
    void allGradientsMatchTheAdjointLoopsAndAccumulateOnRequest() {
        forEveryGeometry(2, (g, x, w, rnd, what) -> {
            float[] gy = Reference.random(rnd, g.outputSize());
            float[][] ref = assertBackwardWritesTheReference(Conv2dKernel::backward, g, x, w, gy, what);

            // accumulate: start from ones, expect ref + 1; the single-gradient entry points do the same.
            float[] gx = filled(g.inputSize(), 1f);
            float[] gw = filled(g.weightSize(), 1f);
            float[] gb = filled(g.o(), 1f);
            Conv2dKernel.backwardInput(g, w, 0, gy, 0, gx, 0, true);
            Conv2dKernel.backwardWeight(g, x, 0, gy, 0, gw, 0, true);
            Conv2dKernel.backwardBias(g, gy, 0, gb, 0, true);
            Reference.assertClose("accumulated grad input " + what, plusOne(ref[0]), gx, 1e-4, 1e-5);
            Reference.assertClose("accumulated grad weight " + what, plusOne(ref[1]), gw, 1e-4, 1e-4);
            Reference.assertClose("accumulated grad bias " + what, plusOne(ref[2]), gb, 1e-4, 1e-4);
        });
    }

    /** Both paths on the same geometries: the direct one (where it applies) and im2col + GEMM (always). */
    @Test
    void theIm2colPathAgreesWithTheReferenceWhereTheDirectPathWouldRun() {
        forEveryGeometry(4, (g, x, w, rnd, what) -> {
            float[] b = Reference.random(rnd, g.o());
            float[] gy = Reference.random(rnd, g.outputSize());
            float[] y = new float[g.outputSize()];
            Conv2dKernel.forwardIm2col(g, x, 0, w, 0, b, 0, y, 0);
            Reference.assertClose("im2col forward " + what, Reference.convForward(g, x, w, b), y, 1e-4, 1e-5);
            assertBackwardWritesTheReference(Conv2dKernel::backwardIm2col, g, x, w, gy, what + " (im2col)");
        });
        assertEquals(Gemm.vectorModulePresent(), Conv2dKernel.useDirect(GEOMETRIES.get(1)));
        assertEquals(false, Conv2dKernel.useDirect(GEOMETRIES.get(4)));
    }

    /** Central differences of L = sum(conv(x, w, b) * up) against the backward kernels. */
    @Test
    void gradientsAgreeWithFiniteDifferences() {
        SplittableRandom rnd = new SplittableRandom(3);
        Conv2dGeometry g = new Conv2dGeometry(2, 4, 6, 5, 4, 3, 2, 2, 1, 1, 1, 1, 2, 2);
        float[] x = Reference.random(rnd, g.inputSize());
        float[] w = Reference.random(rnd, g.weightSize());
        float[] b = Reference.random(rnd, g.o());
        float[] up = Reference.random(rnd, g.outputSize());
        float[] gx = new float[g.inputSize()];
        float[] gw = new float[g.weightSize()];
        float[] gb = new float[g.o()];
        Conv2dKernel.backward(g, x, 0, w, 0, up, 0, gx, 0, gw, 0, gb, 0, false);
        Finite.check("conv2d d/dx", x, gx, () -> loss(g, x, w, b, up));
        Finite.check("conv2d d/dw", w, gw, () -> loss(g, x, w, b, up));
        Finite.check("conv2d d/db", b, gb, () -> loss(g, x, w, b, up));
    }

    /**
     * The backward after a fused ReLU (masked on the fly on the direct path, with the bias sums taken from the
     * masked gradient) equals the ReLU's backward followed by the plain backward, overwriting and accumulating,
     * for every geometry and at one and two threads; a third of the outputs are forced to zero so the mask bites.
     */
    @Test
    void backwardAfterReluEqualsTheMaskThenThePlainBackward() {
        forEveryGeometry(9, (g, x, w, rnd, what) -> {
            float[] y = Reference.random(rnd, g.outputSize());
            for (int i = 0; i < y.length; i += 3) {
                y[i] = 0f;
            }
            float[] gy = Reference.random(rnd, g.outputSize());
            float[] masked = new float[gy.length];
            ReluKernel.backward(y, 0, gy, 0, masked, 0, gy.length, false);
            for (boolean accumulate : new boolean[] {false, true}) {
                float[] ex = filled(g.inputSize(), 0.5f);
                float[] ew = filled(g.weightSize(), 0.5f);
                float[] eb = filled(g.o(), 0.5f);
                Conv2dKernel.backward(g, x, 0, w, 0, masked, 0, ex, 0, ew, 0, eb, 0, accumulate);
                float[] gx = filled(g.inputSize(), 0.5f);
                float[] gw = filled(g.weightSize(), 0.5f);
                float[] gb = filled(g.o(), 0.5f);
                Conv2dKernel.backwardAfterRelu(g, x, 0, w, 0, y, 0, gy, 0, gx, 0, gw, 0, gb, 0, accumulate);
                String which = what + " accumulate=" + accumulate;
                Reference.assertClose("grad input " + which, ex, gx, 1e-4, 1e-5);
                Reference.assertClose("grad weight " + which, ew, gw, 1e-4, 1e-5);
                Reference.assertClose("grad bias " + which, eb, gb, 1e-4, 1e-5);
            }
        });
    }

    @Test
    void emptyBatchIsANoOp() {
        Conv2dGeometry g = Conv2dGeometry.of(0, 2, 5, 5, 3, 3, 1, 1, 1, 1);
        Conv2dKernel.forward(g, new float[0], 0, new float[g.weightSize()], 0, null, 0, new float[0], 0);
        float[] gw = filled(g.weightSize(), 5f);
        Conv2dKernel.backwardWeight(g, new float[0], 0, new float[0], 0, gw, 0, false);
        Reference.assertClose("grad weight of an empty batch", new float[g.weightSize()], gw, 0, 0);
    }

    @Test
    void invalidGeometriesAndShortArraysGiveClearErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Conv2dGeometry.of(1, 3, 8, 8, 4, 3, 1, 1, 1, 2));
        assertTrue(e.getMessage().contains("in_channels (3) must be divisible by groups (2)") && e.getMessage().contains("input [1, 3, 8, 8]"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Conv2dGeometry.of(1, 1, 2, 2, 1, 5, 1, 0, 1, 1));
        assertTrue(e.getMessage().contains("padded input size per channel: (2 x 2). Kernel size: (5 x 5)")
                && e.getMessage().contains("weight [1, 1, 5, 5]"), e.getMessage());
        Conv2dGeometry g = Conv2dGeometry.of(2, 1, 4, 4, 2, 3, 1, 1, 1, 1);
        e = assertThrows(IllegalArgumentException.class,
                () -> Conv2dKernel.forward(g, new float[31], 0, new float[18], 0, null, 0, new float[64], 0));
        assertTrue(e.getMessage().contains("input needs 32 floats from offset 0 but its array has 31"),
                e.getMessage());
        assertEquals(4, g.outH());
    }

    private static double loss(Conv2dGeometry g, float[] x, float[] w, float[] b, float[] up) {
        float[] y = new float[g.outputSize()];
        Conv2dKernel.forward(g, x, 0, w, 0, b, 0, y, 0);
        return Reference.dot(y, up);
    }

    static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    private static float[] plusOne(float[] a) {
        float[] r = a.clone();
        for (int i = 0; i < r.length; i++) {
            r[i] += 1f;
        }
        return r;
    }
}
