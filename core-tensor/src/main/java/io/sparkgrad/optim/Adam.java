package io.sparkgrad.optim;

import io.sparkgrad.kernel.AdamKernel;
import io.sparkgrad.tensor.CudaFunctions;
import io.sparkgrad.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Adam, exactly as {@code torch.optim.Adam}, and with decoupled weight decay the update of {@link AdamW}: one
 * implementation serves both. With gradient g, parameter p and this parameter's step t (from 1):
 *
 * <pre>
 *   g = -g                                         if maximize
 *   p = p * (1 - lr * weight_decay)                decoupled (AdamW)
 *   g = g + weight_decay * p                       otherwise (Adam's L2 penalty), if weight_decay != 0
 *   m = beta1 * m + (1 - beta1) * g
 *   v = beta2 * v + (1 - beta2) * g^2
 *   vmax = max(vmax, v); use vmax for v below      if amsgrad
 *   p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 *
 * Arithmetic is float32, with the bias corrections and step size computed in double and rounded to float once, as
 * PyTorch's single-tensor implementation does. The state per parameter is {@code exp_avg} (m), {@code exp_avg_sq}
 * (v), with amsgrad {@code max_exp_avg_sq}, and the step count.
 */
public class Adam extends Optimizer {
    private final boolean decoupled;
    private double beta1;
    private double beta2;
    private double eps;
    private double weightDecay;
    private boolean amsgrad;
    private boolean maximize;

    /** Adam with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, no weight decay. */
    public Adam(List<? extends Tensor> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0);
    }

    /** Adam with L2 weight decay added to the gradient. */
    public Adam(List<? extends Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        this(params, lr, beta1, beta2, eps, weightDecay, false, false, false);
    }

    /** Adam with every option: amsgrad keeps the running maximum of v; maximize ascends instead of descending. */
    public Adam(List<? extends Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad,
                boolean maximize) {
        this(params, lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, false);
    }

    /**
     * @param decoupled true for AdamW's decay {@code p *= 1 - lr * weight_decay} instead of the L2 term in the gradient
     * @throws IllegalArgumentException with PyTorch's message when lr, eps or weight decay is negative or not finite,
     *         or a beta is outside [0, 1)
     */
    protected Adam(List<? extends Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay,
                   boolean amsgrad, boolean maximize, boolean decoupled) {
        super(params, lr);
        validate(beta1, beta2, eps, weightDecay);
        this.decoupled = decoupled;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.amsgrad = amsgrad;
        this.maximize = maximize;
    }

    /**
     * A builder for Adam starting from PyTorch's defaults (lr 0.001, betas (0.9, 0.999), eps 1e-8, weight decay 0).
     * (The wildcard lets {@link AdamW#builder} return a {@code Builder<AdamW>}; {@code build()} still gives an Adam.)
     */
    public static Builder<? extends Adam> builder(List<? extends Tensor> params) {
        return new Builder<Adam>(0, b -> new Adam(params, b.lr, b.beta1, b.beta2, b.eps, b.weightDecay, b.amsgrad, b.maximize, false));
    }

    private static void validate(double beta1, double beta2, double eps, double weightDecay) {
        requireNonNegative("epsilon", eps);
        require(beta1 >= 0 && beta1 < 1, "Invalid beta parameter at index 0: " + beta1);
        require(beta2 >= 0 && beta2 < 1, "Invalid beta parameter at index 1: " + beta2);
        requireNonNegative("weight_decay", weightDecay);
    }

    @Override
    public String name() {
        return "Adam";
    }

    public double beta1() {
        return beta1;
    }

    public double beta2() {
        return beta2;
    }

    public double eps() {
        return eps;
    }

    public double weightDecay() {
        return weightDecay;
    }

    public boolean amsgrad() {
        return amsgrad;
    }

    public boolean maximize() {
        return maximize;
    }

    /** True for AdamW's decoupled weight decay. */
    public final boolean decoupledWeightDecay() {
        return decoupled;
    }

    @Override
    protected final List<String> stateNames() {
        return amsgrad ? List.of("exp_avg", "exp_avg_sq", "max_exp_avg_sq") : List.of("exp_avg", "exp_avg_sq");
    }

    @Override
    protected final Map<String, Double> otherHyperparameters() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("beta1", beta1);
        m.put("beta2", beta2);
        m.put("eps", eps);
        m.put("weight_decay", weightDecay);
        m.put("amsgrad", flagValue(amsgrad));
        m.put("maximize", flagValue(maximize));
        return m;
    }

    @Override
    protected final void setOtherHyperparameters(Map<String, Double> values) {
        double b1 = values.get("beta1");
        double b2 = values.get("beta2");
        double e = values.get("eps");
        double wd = values.get("weight_decay");
        boolean ams = flag(values, "amsgrad");
        boolean max = flag(values, "maximize");
        validate(b1, b2, e, wd);
        beta1 = b1;
        beta2 = b2;
        eps = e;
        weightDecay = wd;
        amsgrad = ams;
        maximize = max;
    }

    @Override
    protected final void update(float[] p, int po, float[] g, int go, int n, float[][] buffers, long step) {
        update(p, po, g, go, 1f, n, buffers, step);
    }

    @Override
    protected final void update(float[] p, int po, float[] g, int go, float gradDivisor, int n, float[][] buffers, long step) {
        AdamKernel.update(constants(step), p, po, g, go, gradDivisor, buffers[0], buffers[1], amsgrad ? buffers[2] : null, n);
    }

    @Override
    protected final void updateOnDevice(Tensor p, Tensor g, Tensor[] buffers, long step) {
        CudaFunctions.adamStep(p, g, buffers[0], buffers[1], amsgrad ? buffers[2] : null, constants(step));
    }

    /** The step's constants, as the CPU and CUDA kernels take them. */
    private AdamKernel.Step constants(long step) {
        double lr = lr();
        // StrictMath: the same bits on every JVM, so a run resumed elsewhere continues identically.
        double biasCorrection1 = 1 - StrictMath.pow(beta1, step);
        double biasCorrection2 = 1 - StrictMath.pow(beta2, step);
        float stepSize = (float) -(lr / biasCorrection1);
        float bc2Sqrt = (float) StrictMath.sqrt(biasCorrection2);
        AdamKernel.Step s = new AdamKernel.Step(stepSize, bc2Sqrt, (float) beta1, (float) beta2, (float) (1 - beta1),
                (float) (1 - beta2), (float) eps, decoupled ? 0f : (float) weightDecay, decoupled,
                (float) (1 - lr * weightDecay), maximize);
        return s;
    }

    /**
     * Builds an {@link Adam} or {@link AdamW}; validation happens in {@link #build()}.
     *
     * @param <O> what {@link #build()} returns
     */
    public static final class Builder<O extends Adam> {
        private final Function<Builder<O>, O> factory;
        // Read by the factories of Adam and AdamW.
        double lr = 1e-3;
        double beta1 = 0.9;
        double beta2 = 0.999;
        double eps = 1e-8;
        double weightDecay;
        boolean amsgrad;
        boolean maximize;

        Builder(double defaultWeightDecay, Function<Builder<O>, O> factory) {
            this.weightDecay = defaultWeightDecay;
            this.factory = factory;
        }

        public Builder<O> lr(double lr) {
            this.lr = lr;
            return this;
        }

        public Builder<O> betas(double beta1, double beta2) {
            this.beta1 = beta1;
            this.beta2 = beta2;
            return this;
        }

        public Builder<O> eps(double eps) {
            this.eps = eps;
            return this;
        }

        public Builder<O> weightDecay(double weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        public Builder<O> amsgrad(boolean amsgrad) {
            this.amsgrad = amsgrad;
            return this;
        }

        public Builder<O> maximize(boolean maximize) {
            this.maximize = maximize;
            return this;
        }

        public O build() {
            return factory.apply(this);
        }
    }
}
