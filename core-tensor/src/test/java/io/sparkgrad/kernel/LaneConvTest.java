package io.sparkgrad.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The lane kernels against {@link Conv2dKernel} (itself checked against PyTorch's goldens and finite differences):
 * forward with and without the fused ReLU, and every gradient, with the output gradient given as NCHW and laid out
 * in lanes, at one and two threads, for batches that fill their lanes and batches that leave spare lanes.
 */
@ExtendWith(RestoreThreadCount.class)
class LaneConvTest {

    /** (n, c, h, w, o, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, groups). */
    private static final List<Conv2dGeometry> GEOMETRIES = List.of(
            Conv2dGeometry.of(32, 1, 28, 28, 16, 3, 2, 1, 1, 1),
            Conv2dGeometry.of(16, 16, 14, 14, 16, 3, 2, 1, 1, 1),
            Conv2dGeometry.of(40, 16, 7, 7, 10, 3, 2, 1, 1, 1),
            new Conv2dGeometry(17, 3, 9, 7, 5, 5, 3, 1, 2, 2, 1, 1, 1, 1),
            new Conv2dGeometry(20, 4, 11, 8, 6, 3, 2, 3, 1, 0, 2, 2, 1, 1),
            new Conv2dGeometry(33, 6, 10, 9, 9, 3, 3, 2, 1, 1, 2, 1, 2, 1),
            new Conv2dGeometry(16, 19, 6, 5, 3, 2, 2, 1, 1, 1, 0, 1, 1, 1));

    @BeforeEach
    void vectorApi() {
        assumeTrue(Gemm.vectorModulePresent(), "the lane kernels need jdk.incubator.vector");
    }

    @Test
    void forwardMatchesTheDirectKernels() {
        SplittableRandom rnd = new SplittableRandom(1);
        Reference.atOneAndTwoThreads(GEOMETRIES, (g, what) -> {
            for (int extra = 0; extra <= 1; extra++) {
                for (boolean relu : new boolean[] {false, true}) {
                    float[] x = Reference.random(rnd, g.inputSize());
                    float[] w = Reference.random(rnd, g.weightSize());
                    float[] b = Reference.random(rnd, g.o());
                    float[] expected = new float[g.outputSize()];
                    Conv2dKernel.forward(g, x, 0, w, 0, b, 0, expected, 0, relu);
                    LaneLayout xl = LaneLayout.of(g.n(), g.c(), g.h(), g.w(), LaneConv.inputBorder(g) + extra, LaneConv.lanes());
                    float[] xa = garbage(xl.floats(), rnd);
                    LaneConv.pack(x, 0, xl, xa);
                    assertTrue(LaneConv.borderIsZero(xa, xl), what);
                    LaneLayout yl = LaneLayout.of(g.n(), g.o(), g.outH(), g.outW(), 1 + extra, LaneConv.lanes());
                    float[] ya = garbage(yl.floats(), rnd);
                    LaneConv.forward(g, xa, xl, w, 0, b, 0, ya, yl, relu);
                    assertTrue(LaneConv.borderIsZero(ya, yl), what + " output border");
                    float[] actual = new float[g.outputSize()];
                    LaneConv.unpack(ya, yl, actual, 0);
                    Reference.assertClose(what + " relu=" + relu + " border+" + extra, expected, actual, 1e-5, 1e-5);
                }
            }
        });
    }

    @Test
    void gradientsMatchTheDirectKernels() {
        SplittableRandom rnd = new SplittableRandom(2);
        Reference.atOneAndTwoThreads(GEOMETRIES, (g, what) -> {
            for (boolean relu : new boolean[] {false, true}) {
                for (boolean lanesIn : new boolean[] {false, true}) {
                    float[] x = Reference.random(rnd, g.inputSize());
                    float[] w = Reference.random(rnd, g.weightSize());
                    float[] b = Reference.random(rnd, g.o());
                    float[] gy = Reference.random(rnd, g.outputSize());
                    float[] y = new float[g.outputSize()];
                    Conv2dKernel.forward(g, x, 0, w, 0, b, 0, y, 0, relu);
                    float[] gx = new float[g.inputSize()];
                    float[] gw = new float[g.weightSize()];
                    float[] gb = new float[g.o()];
                    if (relu) {
                        Conv2dKernel.backwardAfterRelu(g, x, 0, w, 0, y, 0, gy, 0, gx, 0, gw, 0, gb, 0, false);
                    } else {
                        Conv2dKernel.backward(g, x, 0, w, 0, gy, 0, gx, 0, gw, 0, gb, 0, false);
                    }

                    int lanes = LaneConv.lanes();
                    LaneLayout xl = LaneLayout.of(g.n(), g.c(), g.h(), g.w(), LaneConv.inputBorder(g), lanes);
                    float[] xa = new float[xl.floats()];
                    LaneConv.pack(x, 0, xl, xa);
                    LaneLayout yl = LaneLayout.of(g.n(), g.o(), g.outH(), g.outW(), 1, lanes);
                    float[] ya = new float[yl.floats()];
                    LaneConv.forward(g, xa, xl, w, 0, b, 0, ya, yl, relu);
                    // The output gradient: NCHW, or in lanes with a border of its own and garbage in spare lanes.
                    LaneLayout gyl = lanesIn ? LaneLayout.of(g.n(), g.o(), g.outH(), g.outW(), 2, lanes) : null;
                    float[] gya = gy;
                    if (lanesIn) {
                        gya = garbage(gyl.floats(), rnd);
                        float[] keep = gya.clone();
                        LaneConv.pack(gy, 0, gyl, gya);
                        spoilSpareLanes(gya, gyl, keep);
                    }
                    float[] gxa = garbage(xl.floats(), rnd);
                    float[] gwa = Reference.random(rnd, g.weightSize());
                    float[] gba = Reference.random(rnd, g.o());
                    LaneConv.backward(g, xa, xl, w, 0, gya, 0, gyl, relu ? ya : null, relu ? yl : null, gxa, gwa, 0,
                            gba, 0, false);
                    float[] gxActual = new float[g.inputSize()];
                    LaneConv.unpack(gxa, xl, gxActual, 0);
                    String label = what + " relu=" + relu + " lanes in=" + lanesIn;
                    Reference.assertClose(label + " grad_input", gx, gxActual, 1e-4, 1e-5);
                    Reference.assertClose(label + " grad_weight", gw, gwa, 1e-4, 1e-4);
                    Reference.assertClose(label + " grad_bias", gb, gba, 1e-4, 1e-4);
                    assertSpareLanesZero(gxa, xl, label);
                }
            }
        });
    }

    @Test
    void accumulateAddsTheWeightAndBiasGradients() {
        Conv2dGeometry g = GEOMETRIES.get(1);
        SplittableRandom rnd = new SplittableRandom(3);
        float[] x = Reference.random(rnd, g.inputSize());
        float[] gy = Reference.random(rnd, g.outputSize());
        LaneLayout xl = LaneLayout.of(g.n(), g.c(), g.h(), g.w(), 1, LaneConv.lanes());
        float[] xa = new float[xl.floats()];
        LaneConv.pack(x, 0, xl, xa);
        float[] gw = new float[g.weightSize()];
        float[] gb = new float[g.o()];
        LaneConv.backward(g, xa, xl, null, 0, gy, 0, null, null, null, null, gw, 0, gb, 0, false);
        float[] gw2 = gw.clone();
        float[] gb2 = gb.clone();
        LaneConv.backward(g, xa, xl, null, 0, gy, 0, null, null, null, null, gw2, 0, gb2, 0, true);
        for (int i = 0; i < gw.length; i++) {
            assertEquals(2 * gw[i], gw2[i], 1e-5 * Math.abs(gw[i]) + 1e-6, "grad_weight " + i);
        }
        for (int i = 0; i < gb.length; i++) {
            assertEquals(2 * gb[i], gb2[i], 1e-5 * Math.abs(gb[i]) + 1e-6, "grad_bias " + i);
        }
    }

    @Test
    void recognisesItsOwnViewsOnly() {
        int lanes = LaneConv.lanes();
        LaneLayout l = LaneLayout.of(20, 3, 5, 4, 1, lanes);
        assertEquals(l, LaneLayout.recognise(l.shape(), l.strides(), l.offset(), l.floats(), lanes));
        assertEquals(null, LaneLayout.recognise(l.shape(), l.strides(), l.offset() + 1, l.floats(), lanes));
        assertEquals(null, LaneLayout.recognise(l.shape(), l.strides(), l.offset(), l.floats() - 1, lanes));
        assertEquals(null, LaneLayout.recognise(new int[] {20, 3, 5, 4}, new int[] {60, 20, 4, 1}, 0, 1200, lanes));
        float[] a = new float[l.floats()];
        assertTrue(LaneConv.borderIsZero(a, l));
        a[l.at(-1, 2) + 3] = 1e-30f;
        assertFalse(LaneConv.borderIsZero(a, l));
        a[l.at(-1, 2) + 3] = Float.NaN;
        assertFalse(LaneConv.borderIsZero(a, l));
    }

    @Test
    void refusesAnInputBorderNarrowerThanThePadding() {
        Conv2dGeometry g = GEOMETRIES.get(1);
        LaneLayout xl = LaneLayout.of(g.n(), g.c(), g.h(), g.w(), 0, LaneConv.lanes());
        LaneLayout yl = LaneLayout.of(g.n(), g.o(), g.outH(), g.outW(), 1, LaneConv.lanes());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LaneConv.forward(g,
                new float[xl.floats()], xl, new float[g.weightSize()], 0, null, 0, new float[yl.floats()], yl, false));
        assertTrue(e.getMessage().contains("border 0 is narrower than the padding 1"), e.getMessage());
    }

    @Test
    void acceptsBatchesThatFillMostOfTheirLanes() {
        int lanes = LaneConv.lanes();
        assertTrue(LaneConv.accepts(Conv2dGeometry.of(64, 16, 14, 14, 16, 3, 2, 1, 1, 1)));
        assertFalse(LaneConv.accepts(Conv2dGeometry.of(lanes - 1, 16, 14, 14, 16, 3, 2, 1, 1, 1)));
        assertFalse(LaneConv.accepts(Conv2dGeometry.of(lanes + 1, 16, 14, 14, 16, 3, 2, 1, 1, 1)));
        assertFalse(LaneConv.accepts(new Conv2dGeometry(64, 4, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 2)));
    }

    private static float[] garbage(int size, SplittableRandom rnd) {
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            a[i] = (float) (rnd.nextDouble() * 1e3);
        }
        return a;
    }

    /** Puts {@code keep}'s garbage back into the lanes past the batch, which no kernel may read as data. */
    private static void spoilSpareLanes(float[] a, LaneLayout l, float[] keep) {
        for (int i = 0; i < a.length; i++) {
            if (i % l.npad() >= l.n()) {
                a[i] = keep[i];
            }
        }
    }

    private static void assertSpareLanesZero(float[] a, LaneLayout l, String what) {
        for (int i = 0; i < l.floats(); i++) {
            if (i % l.npad() >= l.n() && a[i] != 0f) {
                throw new AssertionError(what + ": spare lane " + (i % l.npad()) + " at " + i + " holds " + a[i]);
            }
        }
    }
}
