package io.sparkgrad.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import java.util.Arrays;
import java.util.function.Function;

/**
 * Finite-difference gradient checks: compares the autograd gradient of {@code L = sum(f(inputs) * upstream)} for each
 * input with central differences of L, evaluated in double from float32 forward passes.
 */
public final class GradCheck {
    /** The finite-difference step the grad checks use. */
    public static final double EPS = 1e-2;
    /** The tolerance (absolute + relative) the grad checks use. */
    public static final double TOL = 2e-2;

    private GradCheck() {
    }

    /** Checks the gradients of every input with step {@code eps} and tolerance {@code tol} (absolute + relative). */
    public static void check(Function<Tensor[], Tensor> f, Tensor[] inputs, double eps, double tol) {
        for (Tensor in : inputs) {
            in.requiresGrad(true);
            in.setGrad(null);
        }
        Tensor out = f.apply(inputs);
        Tensor upstream = Tensor.randn(new Generator(42), out.shape());
        out.backward(upstream);
        float[] up = upstream.toFloatArray();
        for (int k = 0; k < inputs.length; k++) {
            Tensor in = inputs[k];
            assertNotNull(in.grad(), "input " + k + " got no gradient");
            float[] analytic = in.grad().toFloatArray();
            float[] data = in.data();
            int off = in.storageOffset();
            for (int i = 0; i < in.numel(); i++) {
                float saved = data[off + i];
                data[off + i] = (float) (saved + eps);
                double plus = loss(f, inputs, up);
                data[off + i] = (float) (saved - eps);
                double minus = loss(f, inputs, up);
                data[off + i] = saved;
                double numeric = (plus - minus) / (2 * eps);
                assertEquals(numeric, analytic[i], tol + tol * Math.abs(numeric),
                        "d/d input" + k + "[" + i + "] of shape " + Arrays.toString(in.shape()));
            }
        }
    }

    private static double loss(Function<Tensor[], Tensor> f, Tensor[] inputs, float[] up) {
        try (var ignored = Tensor.noGrad()) {
            float[] o = f.apply(inputs).toFloatArray();
            double s = 0;
            for (int i = 0; i < o.length; i++) {
                s += (double) o[i] * up[i];
            }
            return s;
        }
    }

    /** A float tensor of uniform values in [lo, hi). */
    public static Tensor uniform(Generator g, float lo, float hi, int... shape) {
        Tensor t = Tensor.rand(g, shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = lo + (hi - lo) * d[i];
        }
        return t;
    }
}
