package io.sparkgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgrad.nn.Init.FanMode;
import io.sparkgrad.nn.Init.Nonlinearity;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Default layer initialisation and the init functions: bounds, spreads and gains as PyTorch defines them. */
class InitTest {

    @Test
    void linearDefaultInitIsUniformWithBoundOneOverSqrtFanIn() {
        // 100 x 1000 = 100,000 weights: ten times a large layer, so the sample extremes sit at the bound.
        Linear lin = new Linear(100, 1000, true, new Generator(1));
        assertUniform(lin.weight(), 1 / Math.sqrt(100));
        assertUniform(lin.bias(), 1 / Math.sqrt(100));
    }

    @Test
    void conv2dDefaultInitUsesFanInOfOneGroup() {
        // fan_in = in/groups * kH * kW = 4 * 3 * 3 = 36: bound 1/6.
        Conv2d conv = Conv2d.builder(16, 2000, 3).groups(4).generator(new Generator(2)).build();
        assertArrayEquals(new int[] {2000, 4, 3, 3}, conv.weight().shape());
        assertUniform(conv.weight(), 1 / 6.0);
        assertUniform(conv.bias(), 1 / 6.0);
    }

    @Test
    void defaultInitDrawsFromTheGlobalGeneratorUnlessGivenOne() {
        Generator.manualSeed(123);
        float[] a = new Linear(4, 3).weight().toFloatArray();
        Generator.manualSeed(123);
        float[] b = new Linear(4, 3).weight().toFloatArray();
        assertArrayEquals(a, b);
        assertArrayEquals(new Linear(4, 3, true, new Generator(5)).weight().toFloatArray(),
                new Linear(4, 3, true, new Generator(5)).weight().toFloatArray());
        assertNotEquals(a[0], new Linear(4, 3, true, new Generator(6)).weight().toFloatArray()[0]);
    }

    @Test
    void gainsMatchPyTorch() {
        assertEquals(1.0, Init.calculateGain(Nonlinearity.CONV2D));
        assertEquals(1.0, Init.calculateGain(Nonlinearity.SIGMOID));
        assertEquals(5.0 / 3, Init.calculateGain(Nonlinearity.parse("tanh")));
        assertEquals(Math.sqrt(2), Init.calculateGain(Nonlinearity.RELU));
        assertEquals(Math.sqrt(2 / (1 + 0.01 * 0.01)), Init.calculateGain(Nonlinearity.LEAKY_RELU));
        assertEquals(Math.sqrt(1 / 3.0), Init.calculateGain(Nonlinearity.LEAKY_RELU, Math.sqrt(5)), 1e-15);
        assertEquals(0.75, Init.calculateGain(Nonlinearity.parse("selu")));
        var e = assertThrows(IllegalArgumentException.class, () -> Nonlinearity.parse("swish"));
        assertTrue(e.getMessage().contains("Unsupported nonlinearity swish"));
    }

    @Test
    void xavierAndKaimingHaveTheirBoundsAndSpreads() {
        Generator g = new Generator(3);
        Tensor w = Tensor.zeros(200, 300);
        assertUniform(Init.xavierUniform(w, 2.0, g), 2.0 * Math.sqrt(6.0 / 500));
        assertNormal(Init.xavierNormal(w, 1.0, g), Math.sqrt(2.0 / 500));
        assertUniform(Init.kaimingUniform(w, 0, FanMode.FAN_IN, Nonlinearity.RELU, g), Math.sqrt(6.0 / 300));
        assertUniform(Init.kaimingUniform(w, 0, FanMode.FAN_OUT, Nonlinearity.RELU, g), Math.sqrt(6.0 / 200));
        assertNormal(Init.kaimingNormal(w, 0, FanMode.FAN_IN, Nonlinearity.RELU, g), Math.sqrt(2.0 / 300));
        Tensor conv = Tensor.zeros(64, 8, 5, 5);
        assertEquals(200, Init.fanIn(conv));
        assertEquals(1600, Init.fanOut(conv));
        assertUniform(Init.kaimingUniform(conv, 0, FanMode.FAN_OUT, Nonlinearity.LEAKY_RELU, g), Math.sqrt(2) * Math.sqrt(3.0 / 1600));
    }

    @Test
    void initOfAParameterWorksOutsideNoGradAndKeepsItsStorage() {
        Parameter p = new Parameter(Tensor.zeros(10, 10));
        float[] storage = p.data();
        Init.xavierUniform(p);
        assertTrue(p.requiresGrad());
        assertTrue(p.isLeaf());
        assertEquals(storage, p.data());
        assertTrue(Math.abs(p.getFloat(0, 0)) > 0);
        Init.constant(p, 0.5);
        assertEquals(0.5f, p.getFloat(9, 9));
    }

    @Test
    void fansNeedTwoDimensions() {
        var e = assertThrows(IllegalArgumentException.class, () -> Init.xavierUniform(Tensor.zeros(5)));
        assertTrue(e.getMessage().contains("fewer than 2 dimensions (shape [5])"), e.getMessage());
    }

    /** Every value within the bound, the extremes near it, and the spread of U(-bound, bound): bound/sqrt(3). */
    private static void assertUniform(Tensor t, double bound) {
        float[] v = t.toFloatArray();
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        for (float x : v) {
            min = Math.min(min, x);
            max = Math.max(max, x);
        }
        assertTrue(min >= -bound && max <= bound, "values in [" + min + ", " + max + "] exceed the bound " + bound);
        double slack = v.length >= 10_000 ? 0.01 : 0.1;
        assertTrue(min < -bound * (1 - slack) && max > bound * (1 - slack), "extremes [" + min + ", " + max + "] far from bound " + bound);
        assertEquals(bound / Math.sqrt(3), std(v), bound / Math.sqrt(3) * (v.length >= 10_000 ? 0.02 : 0.15));
        assertEquals(0, mean(v), bound * (v.length >= 10_000 ? 0.02 : 0.2));
    }

    private static void assertNormal(Tensor t, double std) {
        float[] v = t.toFloatArray();
        assertEquals(std, std(v), std * 0.02);
        assertEquals(0, mean(v), std * 0.02);
    }

    private static double mean(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static double std(float[] v) {
        double m = mean(v);
        double s = 0;
        for (float x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / v.length);
    }
}
