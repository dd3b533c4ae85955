package io.sparkgrad.trainer.optim;

import io.sparkgrad.trainer.DriverOptimizer;
import io.sparkgrad.trainer.OptimizerState;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Stochastic gradient descent on a flat float buffer, with PyTorch's {@code torch.optim.SGD} update rule, in
 * float32 arithmetic. With gradient {@code g} and parameter {@code p} at step t:
 *
 * <pre>
 * if weight_decay != 0:  g = g + weight_decay * p
 * if momentum != 0:      buf = g                                  (first step)
 *                        buf = momentum * buf + (1 - dampening) * g  (later steps)
 *                        g = g + momentum * buf  if nesterov,  else g = buf
 * p = p - lr * g
 * </pre>
 */
public final class FlatSgd implements DriverOptimizer {

    // Kept as the doubles the user gave (Python floats in PyTorch); rounded to float32 where PyTorch's kernels do.
    private final double lr;
    private final double momentum;
    private final double dampening;
    private final double weightDecay;
    private final boolean nesterov;
    private float[] momentumBuffer;

    /**
     * @param lr          learning rate, {@code >= 0}
     * @param momentum    momentum factor, {@code >= 0}
     * @param dampening   dampening of the momentum, {@code >= 0}
     * @param weightDecay L2 penalty added to the gradient, {@code >= 0}
     * @param nesterov    Nesterov momentum; needs {@code momentum > 0} and {@code dampening == 0}
     */
    public FlatSgd(double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        requireNonNegative("lr", lr);
        requireNonNegative("momentum", momentum);
        requireNonNegative("dampening", dampening);
        requireNonNegative("weight_decay", weightDecay);
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("SGD: Nesterov momentum requires a momentum > 0 and zero dampening, got momentum="
                    + momentum + " dampening=" + dampening);
        }
        this.lr = lr;
        this.momentum = momentum;
        this.dampening = dampening;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
    }

    /** Plain SGD with momentum (no dampening, no weight decay, no Nesterov), the tutorial's optimizer. */
    public static FlatSgd momentum(double lr, double momentum) {
        return new FlatSgd(lr, momentum, 0, 0, false);
    }

    static void requireNonNegative(String name, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("invalid " + name + " value: " + v + " (must be a finite number >= 0)");
        }
    }

    @Override
    public void step(float[] params, float[] g) {
        if (params.length != g.length) {
            throw new IllegalArgumentException("SGD step: " + params.length + " parameters but " + g.length + " gradient values");
        }
        final int n = params.length;
        final float mu = (float) momentum;
        if (weightDecay != 0) {
            final float wd = (float) weightDecay;
            for (int i = 0; i < n; i++) {
                g[i] = g[i] + wd * params[i];
            }
        }
        if (momentum != 0) {
            if (momentumBuffer == null) {
                momentumBuffer = g.clone();
            } else {
                if (momentumBuffer.length != n) {
                    throw new IllegalStateException("SGD momentum buffer has " + momentumBuffer.length + " values but the model has " + n
                            + " parameters: the restored state belongs to another model");
                }
                final float[] buf = momentumBuffer;
                final float keep = (float) (1 - dampening);
                for (int i = 0; i < n; i++) {
                    buf[i] = buf[i] * mu + keep * g[i];
                }
            }
            final float[] buf = momentumBuffer;
            if (nesterov) {
                for (int i = 0; i < n; i++) {
                    g[i] = g[i] + mu * buf[i];
                }
            } else {
                System.arraycopy(buf, 0, g, 0, n);
            }
        }
        final float negLr = (float) -lr;
        for (int i = 0; i < n; i++) {
            params[i] = params[i] + negLr * g[i];
        }
    }

    @Override
    public OptimizerState state() {
        Map<String, float[]> buffers = new LinkedHashMap<>();
        if (momentumBuffer != null) {
            buffers.put("momentum_buffer", momentumBuffer);
        }
        return new OptimizerState(buffers, Map.of());
    }

    @Override
    public void restore(OptimizerState state) {
        float[] buf = state.buffers().get("momentum_buffer");
        for (String key : state.buffers().keySet()) {
            if (!key.equals("momentum_buffer")) {
                throw new IllegalArgumentException("SGD state has an unknown buffer '" + key + "' (expected only momentum_buffer)");
            }
        }
        momentumBuffer = buf == null ? null : buf.clone();
    }

    @Override
    public String name() {
        return "sgd";
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("lr", lr);
        c.put("momentum", momentum);
        c.put("dampening", dampening);
        c.put("weight_decay", weightDecay);
        c.put("nesterov", nesterov);
        return c;
    }
}
