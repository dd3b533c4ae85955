package io.sparkgrad.trainer.optim;

import io.sparkgrad.optim.Adam;
import io.sparkgrad.optim.AdamW;
import io.sparkgrad.optim.Optimizer;
import io.sparkgrad.optim.SGD;
import io.sparkgrad.tensor.Tensor;
import io.sparkgrad.trainer.DriverOptimizer;
import io.sparkgrad.trainer.OptimizerState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The driver's optimizer step, done by core-tensor's own optimizers ({@link SGD}, {@link Adam}, {@link AdamW}) over
 * one flat parameter: the trainer and a single-process run share one implementation of every update rule.
 *
 * <p>The flat parameter and gradient arrays are created on the first step (or restore), when the model size is
 * known; each step copies the driver's parameters and mean gradient in and the updated parameters out (two array
 * copies, negligible next to the step's transport).
 */
public final class EngineOptimizer implements DriverOptimizer {
    private static final String STEP_PREFIX = "step.";

    private final String name;
    private final Map<String, Object> config;
    private final Function<List<Tensor>, Optimizer> build;
    private float[] params;
    private float[] grad;
    private Optimizer optimizer;
    private OptimizerState pending;

    private EngineOptimizer(String name, Map<String, Object> config, Function<List<Tensor>, Optimizer> build) {
        this.name = name;
        this.config = config;
        this.build = build;
        // Validate the hyperparameters now, with the optimizer's own messages, rather than at the first step.
        build.apply(List.of(Optimizer.flatParameter(new float[1], new float[1])));
    }

    /** PyTorch's SGD: {@code torch.optim.SGD(params, lr, momentum, dampening, weight_decay, nesterov)}. */
    public static EngineOptimizer sgd(double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("lr", lr);
        c.put("momentum", momentum);
        c.put("dampening", dampening);
        c.put("weight_decay", weightDecay);
        c.put("nesterov", nesterov);
        return new EngineOptimizer("sgd", c, p -> new SGD(p, lr, momentum, dampening, weightDecay, nesterov));
    }

    /** SGD with momentum, the tutorial's optimizer. */
    public static EngineOptimizer sgdMomentum(double lr, double momentum) {
        return sgd(lr, momentum, 0, 0, false);
    }

    /** PyTorch's Adam (L2 weight decay added to the gradient). */
    public static EngineOptimizer adam(double lr, double beta1, double beta2, double eps, double weightDecay) {
        return new EngineOptimizer("adam", adamConfig(lr, beta1, beta2, eps, weightDecay),
                p -> new Adam(p, lr, beta1, beta2, eps, weightDecay));
    }

    /** Adam with PyTorch's defaults (betas 0.9, 0.999; eps 1e-8; no weight decay). */
    public static EngineOptimizer adam(double lr) {
        return adam(lr, 0.9, 0.999, 1e-8, 0);
    }

    /** PyTorch's AdamW (decoupled weight decay). */
    public static EngineOptimizer adamw(double lr, double beta1, double beta2, double eps, double weightDecay) {
        return new EngineOptimizer("adamw", adamConfig(lr, beta1, beta2, eps, weightDecay),
                p -> new AdamW(p, lr, beta1, beta2, eps, weightDecay));
    }

    private static Map<String, Object> adamConfig(double lr, double beta1, double beta2, double eps, double weightDecay) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("lr", lr);
        c.put("betas", List.of(beta1, beta2));
        c.put("eps", eps);
        c.put("weight_decay", weightDecay);
        return c;
    }

    @Override
    public void step(float[] p, float[] meanGrad) {
        if (p.length != meanGrad.length) {
            throw new IllegalArgumentException("parameters (" + p.length + ") and gradient (" + meanGrad.length + ") differ in length");
        }
        ensure(p.length);
        System.arraycopy(p, 0, params, 0, p.length);
        System.arraycopy(meanGrad, 0, grad, 0, p.length);
        optimizer.step();
        System.arraycopy(params, 0, p, 0, p.length);
    }

    private void ensure(int n) {
        if (optimizer != null && params.length == n) {
            return;
        }
        if (optimizer != null) {
            throw new IllegalArgumentException("this optimizer steps " + params.length + " parameters, got " + n);
        }
        params = new float[n];
        grad = new float[n];
        optimizer = build.apply(List.of(Optimizer.flatParameter(params, grad)));
        if (pending != null) {
            OptimizerState s = pending;
            pending = null;
            restore(s);
        }
    }

    @Override
    public OptimizerState state() {
        if (optimizer == null) {
            return pending != null ? pending : OptimizerState.empty();
        }
        io.sparkgrad.optim.OptimizerState s = optimizer.stateDict();
        Map<String, Double> scalars = new LinkedHashMap<>();
        s.steps().forEach((k, v) -> scalars.put(STEP_PREFIX + k, (double) v));
        return new OptimizerState(s.buffers(), scalars);
    }

    @Override
    public void restore(OptimizerState state) {
        if (state.buffers().isEmpty() && state.scalars().isEmpty()) {
            optimizer = null;
            params = null;
            grad = null;
            pending = null;
            return;
        }
        if (optimizer == null) {
            // The model size is known only at the first step (or from a buffer): restore then.
            int n = state.buffers().values().stream().mapToInt(b -> b.length).findFirst().orElse(-1);
            if (n < 0) {
                pending = state;
                return;
            }
            pending = state;
            ensure(n);
            return;
        }
        Map<String, Long> steps = new LinkedHashMap<>();
        state.scalars().forEach((k, v) -> {
            if (!k.startsWith(STEP_PREFIX)) {
                throw new IllegalArgumentException("unexpected scalar '" + k + "' in the state of a " + name + " optimizer");
            }
            steps.put(k.substring(STEP_PREFIX.length()), v.longValue());
        });
        io.sparkgrad.optim.OptimizerState current = optimizer.stateDict();
        optimizer.loadStateDict(new io.sparkgrad.optim.OptimizerState(current.optimizer(), current.hyperparameters(), steps,
                state.buffers()));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Map<String, Object> config() {
        return config;
    }
}
