package io.sparkgrad.nn;

import static io.sparkgrad.testing.GradCheck.check;
import static io.sparkgrad.testing.GradCheck.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** LeakyReLU, GELU, Sigmoid, Tanh, Softmax and LogSoftmax: values against PyTorch 1.13, gradients by finite differences. */
class ActivationsTest {
    private static final double EPS = 1e-2;
    private static final double TOL = 2e-2;
    private static final float[] X = {-7.0f, -3.5f, -1.0f, -0.25f, 0.0f, 0.3f, 1.2f, 2.5f, 6.5f};
    private final Generator g = new Generator(11);

    @Test
    void geluMatchesPyTorchsExactFormAndItsGradient() {
        // torch.nn.functional.gelu(x) and its gradient for ones upstream, PyTorch 1.13.1 CPU float32.
        float[] expected = {0.0f, -0.0008143335580825806f, -0.1586552858352661f, -0.10032343119382858f, 0.0f, 0.1853734254837036f,
            1.0619163513183594f, 2.48447585105896f, 6.5f};
        float[] expectedGrad = {0.0f, -0.00282171368598938f, -0.08331543207168579f, 0.3046267032623291f, 0.5f, 0.7323277592658997f,
            1.1179535388946533f, 1.0376110076904297f, 1.0f};
        Tensor x = Tensor.of(X.clone(), X.length).requiresGrad(true);
        Tensor y = new GELU().forward(x);
        y.sum().backward();
        assertArrayEquals(expected, y.toFloatArray(), 1e-6f);
        assertArrayEquals(expectedGrad, x.grad().toFloatArray(), 1e-6f);
    }

    @Test
    void leakyReluMatchesPyTorchAndScalesTheNegativeSideOfTheGradient() {
        float[] expected = {-1.4f, -0.7f, -0.2f, -0.05f, 0.0f, 0.3f, 1.2f, 2.5f, 6.5f};
        // PyTorch's gradient at exactly 0 is the slope's (x > 0 is false there).
        float[] expectedGrad = {0.2f, 0.2f, 0.2f, 0.2f, 0.2f, 1f, 1f, 1f, 1f};
        Tensor x = Tensor.of(X.clone(), X.length).requiresGrad(true);
        Tensor y = new LeakyReLU(0.2f).forward(x);
        y.sum().backward();
        assertArrayEquals(expected, y.toFloatArray(), 1e-6f);
        assertArrayEquals(expectedGrad, x.grad().toFloatArray(), 1e-6f);
        assertEquals(0.01f, new LeakyReLU().negativeSlope());
    }

    @Test
    void erfIsAccurateAcrossItsRange() {
        // Reference values: Python's math.erf (the C library's erf).
        assertEquals(0.0, Activations.erf(0), 0);
        assertEquals(0.5204998778130465, Activations.erf(0.5), 1e-14);
        assertEquals(0.8427007929497149, Activations.erf(1), 1e-14);
        assertEquals(-0.9953222650189527, Activations.erf(-2), 1e-14);
        assertEquals(0.9999779095030014, Activations.erf(3), 1e-14);
        assertEquals(1.0, Activations.erf(10), 0);
        assertEquals(-1.0, Activations.erf(-10), 0);
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        check(t -> F.gelu(t[0]), new Tensor[] {uniform(g, -3, 3, 3, 4)}, EPS, TOL);
        // Leaky ReLU away from its kink.
        check(t -> F.leakyRelu(t[0], 0.1f), new Tensor[] {Tensor.of(new float[] {0.5f, -0.5f, 0.2f, -0.9f, 0.7f, -0.3f}, 2, 3)}, EPS,
                TOL);
        check(t -> new Softmax(1).forward(t[0]), new Tensor[] {uniform(g, -2, 2, 3, 5)}, EPS, TOL);
        check(t -> new Softmax(-1).forward(t[0]), new Tensor[] {uniform(g, -2, 2, 2, 3, 4)}, EPS, TOL);
        check(t -> new LogSoftmax(1).forward(t[0]), new Tensor[] {uniform(g, -2, 2, 3, 5)}, EPS, TOL);
        check(t -> new Sigmoid().forward(t[0]).mul(new Tanh().forward(t[0])), new Tensor[] {uniform(g, -2, 2, 6)}, EPS, TOL);
    }

    @Test
    void softmaxRowsSumToOneAndEqualTheExpOfLogSoftmax() {
        Tensor x = uniform(g, -5, 5, 4, 7);
        float[] p = new Softmax(1).forward(x).toFloatArray();
        float[] logp = new LogSoftmax(1).forward(x).toFloatArray();
        for (int r = 0; r < 4; r++) {
            double sum = 0;
            for (int c = 0; c < 7; c++) {
                sum += p[r * 7 + c];
                assertEquals(Math.exp(logp[r * 7 + c]), p[r * 7 + c], 1e-6);
            }
            assertEquals(1.0, sum, 1e-5);
        }
    }

    @Test
    void activationsWorkOnNonContiguousInputs() {
        Tensor x = uniform(g, -2, 2, 3, 4);
        Tensor xt = x.t();
        assertArrayEquals(F.gelu(xt.contiguous()).toFloatArray(), F.gelu(xt).toFloatArray(), 0f);
        assertArrayEquals(F.leakyRelu(xt.contiguous(), 0.3f).toFloatArray(), F.leakyRelu(xt, 0.3f).toFloatArray(), 0f);
    }

    @Test
    void printsLikePyTorch() {
        assertEquals("LeakyReLU(negative_slope=0.2)", new LeakyReLU(0.2f).toString());
        assertEquals("GELU(approximate='none')", new GELU().toString());
        assertEquals("Softmax(dim=1)", new Softmax(1).toString());
        assertEquals("Sigmoid()", new Sigmoid().toString());
    }
}
