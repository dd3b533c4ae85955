package io.sparkgrad.optim;

import io.sparkgrad.kernel.SgdKernel;
import io.sparkgrad.tensor.CudaFunctions;
import io.sparkgrad.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2 weight decay, exactly as
 * {@code torch.optim.SGD}. With gradient g and parameter p, each step:
 *
 * <pre>
 *   g = -g                                   if maximize
 *   g = g + weight_decay * p                 if weight_decay != 0
 *   if momentum != 0:
 *       buf = g                              at the parameter's first step
 *       buf = momentum * buf + (1 - dampening) * g   afterwards
 *       g = g + momentum * buf               if nesterov, else g = buf
 *   p = p - lr * g
 * </pre>
 *
 * Arithmetic is float32 with each hyperparameter rounded to float once, as PyTorch's CPU kernels do. The state is
 * one {@code momentum_buffer} per parameter when momentum is not 0.
 */
public final class SGD extends Optimizer {
    private double momentum;
    private double dampening;
    private double weightDecay;
    private boolean nesterov;
    private boolean maximize;

    /** Plain SGD: {@code p -= lr * g}. */
    public SGD(List<? extends Tensor> params, double lr) {
        this(params, lr, 0, 0, 0, false, false);
    }

    public SGD(List<? extends Tensor> params, double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        this(params, lr, momentum, dampening, weightDecay, nesterov, false);
    }

    /**
     * @throws IllegalArgumentException with PyTorch's message when lr, momentum or weight decay is negative or not
     *         finite, dampening is not finite, or nesterov is asked for without momentum or with dampening
     */
    public SGD(List<? extends Tensor> params, double lr, double momentum, double dampening, double weightDecay, boolean nesterov,
               boolean maximize) {
        super(params, lr);
        validate(momentum, dampening, weightDecay, nesterov);
        this.momentum = momentum;
        this.dampening = dampening;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
        this.maximize = maximize;
    }

    /** SGD with (heavy-ball) momentum, no dampening, no weight decay: the tutorial's {@code optim.SGD(params, lr, momentum=0.9)}. */
    public static SGD momentum(List<? extends Tensor> params, double lr, double momentum) {
        return new SGD(params, lr, momentum, 0, 0, false);
    }

    /** SGD with Nesterov momentum, no dampening, no weight decay. */
    public static SGD nesterov(List<? extends Tensor> params, double lr, double momentum) {
        return new SGD(params, lr, momentum, 0, 0, true);
    }

    /** A builder starting from PyTorch's defaults (lr 0.001 as in PyTorch 2; everything else 0 / false). */
    public static Builder builder(List<? extends Tensor> params) {
        return new Builder(params);
    }

    private static void validate(double momentum, double dampening, double weightDecay, boolean nesterov) {
        requireNonNegative("momentum", momentum);
        requireNonNegative("weight_decay", weightDecay);
        require(Double.isFinite(dampening), "Invalid dampening value: " + dampening);
        require(!nesterov || (momentum > 0 && dampening == 0), "Nesterov momentum requires a momentum and zero dampening (got momentum "
                + momentum + ", dampening " + dampening + ")");
    }

    @Override
    public String name() {
        return "SGD";
    }

    public double momentum() {
        return momentum;
    }

    public double dampening() {
        return dampening;
    }

    public double weightDecay() {
        return weightDecay;
    }

    public boolean nesterov() {
        return nesterov;
    }

    public boolean maximize() {
        return maximize;
    }

    @Override
    protected List<String> stateNames() {
        return momentum != 0 ? List.of("momentum_buffer") : List.of();
    }

    @Override
    protected Map<String, Double> otherHyperparameters() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("momentum", momentum);
        m.put("dampening", dampening);
        m.put("weight_decay", weightDecay);
        m.put("nesterov", flagValue(nesterov));
        m.put("maximize", flagValue(maximize));
        return m;
    }

    @Override
    protected void setOtherHyperparameters(Map<String, Double> values) {
        double mu = values.get("momentum");
        double damp = values.get("dampening");
        double wd = values.get("weight_decay");
        boolean nest = flag(values, "nesterov");
        boolean max = flag(values, "maximize");
        validate(mu, damp, wd, nest);
        momentum = mu;
        dampening = damp;
        weightDecay = wd;
        nesterov = nest;
        maximize = max;
    }

    @Override
    protected void update(float[] p, int po, float[] g, int go, int n, float[][] buffers, long step) {
        update(p, po, g, go, 1f, n, buffers, step);
    }

    @Override
    protected void update(float[] p, int po, float[] g, int go, float gradDivisor, int n, float[][] buffers, long step) {
        boolean useMomentum = momentum != 0;
        SgdKernel.Step s = new SgdKernel.Step((float) -lr(), (float) weightDecay, useMomentum, (float) momentum,
                (float) (1 - dampening), step == 1, nesterov, maximize);
        SgdKernel.update(s, p, po, g, go, gradDivisor, useMomentum ? buffers[0] : null, n);
    }

    @Override
    protected void updateOnDevice(Tensor p, Tensor g, Tensor[] buffers, long step) {
        CudaFunctions.sgdStep(p, maximize ? g.neg() : g, momentum != 0 ? buffers[0] : null, (float) lr(), (float) momentum,
                (float) dampening, (float) weightDecay, nesterov, step == 1);
    }

    /** Builds an {@link SGD}; validation happens in {@link #build()}. */
    public static final class Builder {
        private final List<? extends Tensor> params;
        private double lr = 1e-3;
        private double momentum;
        private double dampening;
        private double weightDecay;
        private boolean nesterov;
        private boolean maximize;

        private Builder(List<? extends Tensor> params) {
            this.params = params;
        }

        public Builder lr(double lr) {
            this.lr = lr;
            return this;
        }

        public Builder momentum(double momentum) {
            this.momentum = momentum;
            return this;
        }

        public Builder dampening(double dampening) {
            this.dampening = dampening;
            return this;
        }

        public Builder weightDecay(double weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        public Builder nesterov(boolean nesterov) {
            this.nesterov = nesterov;
            return this;
        }

        public Builder maximize(boolean maximize) {
            this.maximize = maximize;
            return this;
        }

        public SGD build() {
            return new SGD(params, lr, momentum, dampening, weightDecay, nesterov, maximize);
        }
    }
}
