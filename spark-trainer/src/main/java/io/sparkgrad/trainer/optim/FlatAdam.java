package io.sparkgrad.trainer.optim;

import io.sparkgrad.trainer.DriverOptimizer;
import io.sparkgrad.trainer.OptimizerState;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam on a flat float buffer with PyTorch's {@code torch.optim.Adam} update rule (amsgrad off), float32
 * arithmetic. With gradient {@code g}, parameter {@code p} and step t starting at 1:
 *
 * <pre>
 * g = g + weight_decay * p                      (L2 form; with decoupled = true, AdamW: p = p * (1 - lr * weight_decay))
 * m = b1 * m + (1 - b1) * g
 * v = b2 * v + (1 - b2) * g^2
 * p = p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 */
public final class FlatAdam implements DriverOptimizer {

    // Hyperparameters are kept as the doubles the user gave, like Python floats in PyTorch; each kernel scalar is
    // rounded to float32 where PyTorch rounds it (alpha/value arguments of the in-place ops).
    private final double lr;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final boolean decoupled;
    private float[] expAvg;
    private float[] expAvgSq;
    private long step;

    /**
     * @param lr          learning rate, {@code >= 0}
     * @param beta1       first-moment decay, in {@code [0, 1)}
     * @param beta2       second-moment decay, in {@code [0, 1)}
     * @param eps         term added to the denominator, {@code >= 0}
     * @param weightDecay weight decay, {@code >= 0}
     * @param decoupled   true for AdamW's decoupled weight decay, false for Adam's L2 form
     */
    public FlatAdam(double lr, double beta1, double beta2, double eps, double weightDecay, boolean decoupled) {
        FlatSgd.requireNonNegative("lr", lr);
        FlatSgd.requireNonNegative("eps", eps);
        FlatSgd.requireNonNegative("weight_decay", weightDecay);
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new IllegalArgumentException("invalid beta parameter at index 0: " + beta1 + " (must be in [0, 1))");
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("invalid beta parameter at index 1: " + beta2 + " (must be in [0, 1))");
        }
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
    }

    /** Adam with PyTorch's defaults apart from the learning rate: betas (0.9, 0.999), eps 1e-8, no weight decay. */
    public static FlatAdam of(double lr) {
        return new FlatAdam(lr, 0.9, 0.999, 1e-8, 0, false);
    }

    @Override
    public void step(float[] params, float[] g) {
        final int n = params.length;
        if (g.length != n) {
            throw new IllegalArgumentException("Adam step: " + n + " parameters but " + g.length + " gradient values");
        }
        if (expAvg == null) {
            expAvg = new float[n];
            expAvgSq = new float[n];
        } else if (expAvg.length != n) {
            throw new IllegalStateException("Adam moments have " + expAvg.length + " values but the model has " + n
                    + " parameters: the restored state belongs to another model");
        }
        step++;
        if (weightDecay != 0) {
            if (decoupled) {
                final float keep = (float) (1 - lr * weightDecay);
                for (int i = 0; i < n; i++) {
                    params[i] = params[i] * keep;
                }
            } else {
                final float wd = (float) weightDecay;
                for (int i = 0; i < n; i++) {
                    g[i] = g[i] + wd * params[i];
                }
            }
        }
        // PyTorch computes the bias corrections in double from Python floats, then the step in float32.
        final double bc1 = 1 - Math.pow(beta1, step);
        final double bc2 = 1 - Math.pow(beta2, step);
        final float stepSize = (float) (lr / bc1);
        final float bc2Sqrt = (float) Math.sqrt(bc2);
        final float b1 = (float) beta1;
        final float b2 = (float) beta2;
        final float oneMinusB1 = (float) (1 - beta1);
        final float oneMinusB2 = (float) (1 - beta2);
        final float epsF = (float) eps;
        final float[] m = expAvg;
        final float[] v = expAvgSq;
        for (int i = 0; i < n; i++) {
            final float gi = g[i];
            m[i] = m[i] * b1 + oneMinusB1 * gi;
            v[i] = v[i] * b2 + oneMinusB2 * gi * gi;
            final float denom = (float) Math.sqrt(v[i]) / bc2Sqrt + epsF;
            params[i] = params[i] - stepSize * (m[i] / denom);
        }
    }

    @Override
    public OptimizerState state() {
        Map<String, float[]> buffers = new LinkedHashMap<>();
        if (expAvg != null) {
            buffers.put("exp_avg", expAvg);
            buffers.put("exp_avg_sq", expAvgSq);
        }
        return new OptimizerState(buffers, Map.of("step", (double) step));
    }

    @Override
    public void restore(OptimizerState state) {
        float[] m = state.buffers().get("exp_avg");
        float[] v = state.buffers().get("exp_avg_sq");
        Double s = state.scalars().get("step");
        if ((m == null) != (v == null) || (m != null && m.length != v.length)) {
            throw new IllegalArgumentException("Adam state needs both exp_avg and exp_avg_sq of the same length, got "
                    + state.buffers().keySet());
        }
        if (s == null || s < 0 || s != Math.rint(s)) {
            throw new IllegalArgumentException("Adam state needs a non-negative integer scalar 'step', got " + s);
        }
        if ((m == null) != (s == 0)) {
            throw new IllegalArgumentException("Adam state is inconsistent: step " + s.longValue() + " with "
                    + (m == null ? "no moments" : "moments"));
        }
        expAvg = m == null ? null : m.clone();
        expAvgSq = v == null ? null : v.clone();
        step = s.longValue();
    }

    @Override
    public String name() {
        return decoupled ? "adamw" : "adam";
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("lr", lr);
        c.put("betas", List.of(beta1, beta2));
        c.put("eps", eps);
        c.put("weight_decay", weightDecay);
        return c;
    }
}
