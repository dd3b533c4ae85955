package io.sparkgrad.trainer.optim;

import io.sparkgrad.optim.Adam;
import io.sparkgrad.optim.AdamW;
import io.sparkgrad.optim.Optimizer;
import io.sparkgrad.optim.SGD;
import io.sparkgrad.optim.lr.CosineAnnealingLR;
import io.sparkgrad.optim.lr.LRScheduler;
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
 *
 * <p>A learning-rate schedule ({@link #withCosineAnnealing}) moves the rate once per driver step, by the number of
 * steps taken, which the optimizer's state carries: a resumed run continues the schedule where it stopped.
 */
public final class EngineOptimizer implements DriverOptimizer {
    private static final String STEP_PREFIX = "step.";
    /** The scalar that holds the number of steps a scheduled optimizer has taken. */
    static final String SCHEDULE_STEPS = "schedule.steps";

    private final String name;
    private final Map<String, Object> config;
    private final Function<List<Tensor>, Optimizer> build;
    private final Function<Optimizer, LRScheduler> schedule;
    private float[] params;
    private float[] grad;
    private Optimizer optimizer;
    private LRScheduler scheduler;
    private long stepsTaken;
    private OptimizerState pending;

    private EngineOptimizer(String name, Map<String, Object> config, Function<List<Tensor>, Optimizer> build,
                            Function<Optimizer, LRScheduler> schedule) {
        this.name = name;
        this.config = config;
        this.build = build;
        this.schedule = schedule;
        // Validate the hyperparameters now, with the optimizer's (and scheduler's) own messages, not at the first step.
        Optimizer probe = build.apply(List.of(Optimizer.flatParameter(new float[1], new float[1])));
        if (schedule != null) {
            schedule.apply(probe);
        }
    }

    private EngineOptimizer(String name, Map<String, Object> config, Function<List<Tensor>, Optimizer> build) {
        this(name, config, build, null);
    }

    /**
     * This optimizer with its learning rate annealed along a cosine, once per driver step, as core-tensor's (and
     * PyTorch's) {@code CosineAnnealingLR} stepped after every optimizer step: step {@code t} (counting from 0) uses
     * {@code etaMin + (lr - etaMin) * (1 + cos(pi * t / tMax)) / 2}. For a schedule over a whole run, {@code tMax} is
     * the epochs times the steps per epoch ({@code floor(samples / globalBatch)}).
     *
     * @param tMax   steps from the base rate down to {@code etaMin}, at least 1
     * @param etaMin the final rate, at least 0
     * @return a new optimizer (this one is unchanged)
     * @throws IllegalArgumentException when this optimizer already has a schedule, or the schedule's values are invalid
     */
    public EngineOptimizer withCosineAnnealing(int tMax, double etaMin) {
        if (schedule != null) {
            throw new IllegalArgumentException("this " + name + " optimizer already has a learning-rate schedule: " + config.get("lr_schedule"));
        }
        Map<String, Object> c = new LinkedHashMap<>(config);
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("name", "cosine_annealing");
        s.put("T_max", tMax);
        s.put("eta_min", etaMin);
        c.put("lr_schedule", s);
        return new EngineOptimizer(name, c, build, o -> new CosineAnnealingLR(o, tMax, etaMin));
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
        if (scheduler != null) {
            // The closed form by the steps taken, so that a restored optimizer lands on the same rate.
            optimizer.setLr(scheduler.closedFormLr(Math.toIntExact(stepsTaken)));
        }
        optimizer.step();
        stepsTaken++;
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
        // Made before any restore, so that its base rate is the configured one.
        scheduler = schedule == null ? null : schedule.apply(optimizer);
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
        if (schedule != null) {
            scalars.put(SCHEDULE_STEPS, (double) stepsTaken);
        }
        return new OptimizerState(s.buffers(), scalars);
    }

    @Override
    public void restore(OptimizerState state) {
        if (state.buffers().isEmpty() && state.scalars().isEmpty()) {
            optimizer = null;
            scheduler = null;
            params = null;
            grad = null;
            pending = null;
            stepsTaken = 0;
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
        long taken = 0;
        for (Map.Entry<String, Double> e : state.scalars().entrySet()) {
            if (e.getKey().equals(SCHEDULE_STEPS)) {
                if (schedule == null) {
                    throw new IllegalArgumentException("the state holds a learning-rate schedule's position ('" + SCHEDULE_STEPS
                            + "') but this " + name + " optimizer has no schedule");
                }
                taken = e.getValue().longValue();
            }
        }
        stepsTaken = taken;
        state.scalars().forEach((k, v) -> {
            if (k.equals(SCHEDULE_STEPS)) {
                return;
            }
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
