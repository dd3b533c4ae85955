package io.sparkgrad.nn;

import io.sparkgrad.tensor.CudaFunctions;
import io.sparkgrad.tensor.GradFn;
import io.sparkgrad.tensor.Tensor;
import java.util.function.IntToDoubleFunction;

/**
 * Elementwise activations beyond the tensor's own ({@code relu}, {@code sigmoid}, {@code tanh}): each op's forward and
 * backward side by side, over the input's elements as one contiguous block.
 */
final class Activations {
    private static final double SQRT_HALF = Math.sqrt(0.5);
    private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

    private Activations() {
    }

    /** {@code x > 0 ? x : slope * x}; gradient {@code x > 0 ? g : slope * g} (PyTorch's {@code leaky_relu}). */
    static Tensor leakyRelu(Tensor x, float slope) {
        if (CudaFunctions.onCuda("leaky_relu", x)) {
            return CudaFunctions.leakyRelu(x, slope);
        }
        Tensor xc = Dense.of(x, "leaky_relu", "input");
        float[] in = xc.data();
        int off = xc.storageOffset();
        int n = x.numel();
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            float v = in[off + i];
            out[i] = v > 0f ? v : slope * v;
        }
        return GradFn.of("leaky_relu", x).saving(xc).result(Tensor.of(out, x.shape()),
                gradOut -> chainRule("leaky_relu", gradOut, x.shape(), i -> in[off + i] > 0f ? 1 : slope));
    }

    /**
     * {@code x * Phi(x)} with {@code Phi} the standard normal CDF, {@code 0.5 * (1 + erf(x / sqrt(2)))}: PyTorch's
     * exact {@code gelu} (approximate='none'), computed in double. Gradient {@code g * (Phi(x) + x * phi(x))}.
     */
    static Tensor gelu(Tensor x) {
        if (CudaFunctions.onCuda("gelu", x)) {
            return CudaFunctions.gelu(x);
        }
        Tensor xc = Dense.of(x, "gelu", "input");
        float[] in = xc.data();
        int off = xc.storageOffset();
        int n = x.numel();
        float[] out = new float[n];
        // Phi(x) is kept for the backward: the erf series is the expensive part, and both passes need it.
        double[] cdf = new double[n];
        for (int i = 0; i < n; i++) {
            double v = in[off + i];
            cdf[i] = normalCdf(v);
            out[i] = (float) (v * cdf[i]);
        }
        return GradFn.of("gelu", x).saving(xc).result(Tensor.of(out, x.shape()), gradOut -> chainRule("gelu", gradOut, x.shape(), i -> {
            double v = in[off + i];
            return cdf[i] + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v);
        }));
    }

    /**
     * The input gradient of an elementwise op: {@code gradOut[i] * dydx(i)}, with the product in double and rounded
     * once (for a float derivative that is exactly the float product).
     */
    private static Tensor[] chainRule(String op, Tensor gradOut, int[] shape, IntToDoubleFunction dydx) {
        Tensor g = Dense.of(gradOut, op + " backward", "output gradient");
        float[] gd = g.data();
        int gOff = g.storageOffset();
        float[] d = new float[g.numel()];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (gd[gOff + i] * dydx.applyAsDouble(i));
        }
        return new Tensor[] {Tensor.of(d, shape)};
    }

    private static double normalCdf(double x) {
        return 0.5 * (1 + erf(x * SQRT_HALF));
    }

    /**
     * The error function to about 1e-15, from the series {@code erf(x) = 2/sqrt(pi) * exp(-x^2) * sum 2^n x^(2n+1) /
     * (1*3*...*(2n+1))}: every term is positive, so nothing cancels, and it needs no table of constants. Beyond
     * {@code |x| = 6} erf is 1 to double precision (erfc(6) is 2e-17).
     */
    static double erf(double x) {
        double a = Math.abs(x);
        if (a >= 6) {
            return Math.signum(x);
        }
        if (Double.isNaN(x)) {
            return x;
        }
        double twoX2 = 2 * a * a;
        double term = a;
        double sum = a;
        for (int k = 1; k < 500 && term > 1e-17 * sum; k++) {
            term *= twoX2 / (2 * k + 1);
            sum += term;
        }
        return Math.copySign(TWO_OVER_SQRT_PI * Math.exp(-a * a) * sum, x);
    }
}
