package io.sparkgrad.golden;

import io.sparkgrad.nn.Parameter;
import io.sparkgrad.tensor.Tensor;
import java.util.List;

/**
 * Small reference implementations of PyTorch 1.13's SGD and Adam update rules (as the golden README states them), in
 * float32 and in PyTorch's order of operations. They let the golden trajectories run before {@code io.sparkgrad.optim}
 * exists; {@link GoldenCasesTest#sgd} and {@link GoldenCasesTest#adam} are the seam where the real classes plug in.
 */
final class ReferenceOptimizers {
    private ReferenceOptimizers() {
    }

    /** One optimizer as the golden cases drive it: {@code step()} after each backward pass. */
    interface OptimizerStep {
        void step();
    }

    /**
     * {@code g += wd*p}; with momentum: {@code buf = g} at the first step, else {@code buf = mu*buf + (1-dampening)*g};
     * {@code g = g + mu*buf} (Nesterov) or {@code g = buf}; {@code p -= lr*g}.
     */
    static OptimizerStep sgd(List<Parameter> params, double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        float[][] buffers = new float[params.size()][];
        return () -> {
            for (int k = 0; k < params.size(); k++) {
                Parameter p = params.get(k);
                if (p.grad() == null) {
                    continue;
                }
                float[] w = p.toFloatArray();
                float[] d = p.grad().toFloatArray();
                if (weightDecay != 0) {
                    for (int i = 0; i < d.length; i++) {
                        d[i] = d[i] + (float) weightDecay * w[i];
                    }
                }
                if (momentum != 0) {
                    if (buffers[k] == null) {
                        buffers[k] = d.clone();
                    } else {
                        float[] buf = buffers[k];
                        for (int i = 0; i < d.length; i++) {
                            buf[i] = buf[i] * (float) momentum + (float) (1 - dampening) * d[i];
                        }
                    }
                    float[] buf = buffers[k];
                    for (int i = 0; i < d.length; i++) {
                        d[i] = nesterov ? d[i] + (float) momentum * buf[i] : buf[i];
                    }
                }
                for (int i = 0; i < w.length; i++) {
                    w[i] = w[i] + (float) -lr * d[i];
                }
                write(p, w);
            }
        };
    }

    /**
     * {@code g += wd*p}; {@code m = b1*m + (1-b1)*g}; {@code v = b2*v + (1-b2)*g^2};
     * {@code p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)}, t from 1.
     */
    static OptimizerStep adam(List<Parameter> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        float[][] m = new float[params.size()][];
        float[][] v = new float[params.size()][];
        int[] steps = new int[params.size()];
        return () -> {
            for (int k = 0; k < params.size(); k++) {
                Parameter p = params.get(k);
                if (p.grad() == null) {
                    continue;
                }
                float[] w = p.toFloatArray();
                float[] g = p.grad().toFloatArray();
                if (m[k] == null) {
                    m[k] = new float[w.length];
                    v[k] = new float[w.length];
                }
                int t = ++steps[k];
                if (weightDecay != 0) {
                    for (int i = 0; i < g.length; i++) {
                        g[i] = g[i] + (float) weightDecay * w[i];
                    }
                }
                double bc1 = 1 - Math.pow(beta1, t);
                double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
                float stepSize = (float) (lr / bc1);
                for (int i = 0; i < w.length; i++) {
                    m[k][i] = m[k][i] * (float) beta1 + (float) (1 - beta1) * g[i];
                    v[k][i] = v[k][i] * (float) beta2 + (float) (1 - beta2) * g[i] * g[i];
                    float denom = (float) Math.sqrt(v[k][i]) / (float) bc2Sqrt + (float) eps;
                    w[i] = w[i] + -stepSize * (m[k][i] / denom);
                }
                write(p, w);
            }
        };
    }

    private static void write(Parameter p, float[] values) {
        try (var ignored = Tensor.noGrad()) {
            p.copy_(Tensor.of(values, p.shape()));
        }
    }
}
