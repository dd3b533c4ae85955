package io.sparkgrad.trainer.optim;

import io.sparkgrad.optim.Adam;
import io.sparkgrad.optim.AdamW;
import io.sparkgrad.optim.Optimizer;
import io.sparkgrad.optim.OptimizerState;
import io.sparkgrad.optim.SGD;
import io.sparkgrad.optim.lr.CosineAnnealingLR;
import io.sparkgrad.optim.lr.LRScheduler;
import io.sparkgrad.tensor.Tensor;
import io.sparkgrad.trainer.DriverOptimizer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * The driver's optimizer step, done by core-tensor's own optimizers ({@link SGD}, {@link Adam}, {@link AdamW}) over
 * one flat parameter: the trainer and a single-process run share one implementation of every update rule, and one
 * {@link OptimizerState}.
 *
 * <p>The core optimizer works on the caller's arrays directly: its one parameter is a tensor over the driver's
 * parameter array, whose grad is a view of the step's mean gradient. Nothing is copied per step; only when the
 * driver hands a different parameter array (a new run, a restored checkpoint) is the optimizer rebound to it, its
 * state carried over.
 *
 * <p>A learning-rate schedule ({@link #withCosineAnnealing}) moves the rate once per driver step, by the number of
 * steps taken, which the optimizer's state carries (its {@code "0.step"} count): a resumed run continues the
 * schedule where it stopped. A schedule over the whole run ({@link #withCosineAnnealingOverRun}) leaves its length to
 * the trainer, which knows the run's steps once it has planned the batches ({@link #forRun}).
 */
public final class EngineOptimizer implements DriverOptimizer {
    /** The step-count key of the one flat parameter in an {@link OptimizerState}. */
    private static final String STEP_KEY = "0.step";
    /** {@code T_max} of a cosine schedule over the whole run before the trainer sizes it. */
    private static final String RUN_LENGTH = "run";

    private final String name;
    private final Map<String, Object> config;
    private final Function<List<Tensor>, Optimizer> build;
    private final Function<Optimizer, LRScheduler> schedule;
    /** The state before the first step: the core optimizer's name and configured hyperparameters, nothing else. */
    private final OptimizerState initial;
    /** The schedule, in closed form from the configured rate; null without one. */
    private final LRScheduler scheduler;
    /**
     * For a schedule over the whole run whose length is not known yet: the sized optimizer for a run of so many steps
     * ({@link #forRun}); null otherwise.
     */
    private final IntFunction<EngineOptimizer> sizeForRun;
    /** The core optimizer over {@link #params}; null before the first step and after a reset. */
    private Optimizer optimizer;
    private Tensor flat;
    private float[] params;
    private long stepsTaken;
    /** A restored state waiting for the first step, when the parameter array is known. */
    private OptimizerState pending;

    private EngineOptimizer(String name, Map<String, Object> config, Function<List<Tensor>, Optimizer> build,
                            Function<Optimizer, LRScheduler> schedule, IntFunction<EngineOptimizer> sizeForRun) {
        this.name = name;
        this.config = config;
        this.build = build;
        this.schedule = schedule;
        this.sizeForRun = sizeForRun;
        // Validates the hyperparameters now, with the optimizer's (and scheduler's) own messages, not at the first step.
        Optimizer probe = build.apply(List.of(Optimizer.flatParameter(new float[1], new float[1])));
        this.initial = probe.stateDict();
        this.scheduler = schedule == null ? null : schedule.apply(probe);
    }

    private EngineOptimizer(String name, Map<String, Object> config, Function<List<Tensor>, Optimizer> build) {
        this(name, config, build, null, null);
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
        return new EngineOptimizer(name, withSchedule(tMax, etaMin), build, o -> new CosineAnnealingLR(o, tMax, etaMin), null);
    }

    /**
     * This optimizer with its learning rate annealed along a cosine from the base rate to {@code etaMin} over the whole
     * run, as {@link #withCosineAnnealing} with {@code tMax} = epochs times the steps per epoch. The trainer sets that
     * length when it has planned the run's batches ({@link #forRun}), so callers need not count their samples; the
     * sized schedule, {@code T_max} included, is what the run's checkpoints record, exactly as if {@code tMax} had been
     * given. Until then the configuration's {@code lr_schedule} reads {@code T_max: "run"}, and the optimizer refuses
     * to step.
     *
     * @param etaMin the final rate, at least 0
     * @return a new optimizer (this one is unchanged)
     * @throws IllegalArgumentException when this optimizer already has a schedule, or {@code etaMin} is invalid
     */
    public EngineOptimizer withCosineAnnealingOverRun(double etaMin) {
        return withCosineAnnealingOverPlan(1, 1, etaMin);
    }

    /**
     * As {@link #withCosineAnnealingOverRun}, for a run of {@code runEpochs} epochs that trains part of a plan of
     * {@code plannedEpochs} epochs (a sweep's trial trained rung by rung): the schedule spans the plan, {@code tMax} =
     * {@code plannedEpochs} times the run's steps per epoch, so each part continues the same schedule.
     *
     * @throws IllegalArgumentException when an epoch count is below 1, or as {@link #withCosineAnnealingOverRun}
     */
    public EngineOptimizer withCosineAnnealingOverPlan(int runEpochs, int plannedEpochs, double etaMin) {
        if (runEpochs < 1 || plannedEpochs < 1) {
            throw new IllegalArgumentException("a schedule over a plan needs at least 1 run and 1 planned epoch, got " + runEpochs
                    + " and " + plannedEpochs);
        }
        withCosineAnnealing(1, etaMin); // checks the schedule's values now, with the scheduler's own messages
        return new EngineOptimizer(name, withSchedule(RUN_LENGTH, etaMin), build, null,
                tMax -> withCosineAnnealing(Math.toIntExact((long) tMax / runEpochs * plannedEpochs), etaMin));
    }

    /** This configuration plus a cosine schedule's, refused when it has a schedule already. */
    private Map<String, Object> withSchedule(Object tMax, double etaMin) {
        if (schedule != null || sizeForRun != null) {
            throw new IllegalArgumentException("this " + name + " optimizer already has a learning-rate schedule: " + config.get("lr_schedule"));
        }
        Map<String, Object> c = new LinkedHashMap<>(config);
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("name", "cosine_annealing");
        s.put("T_max", tMax);
        s.put("eta_min", etaMin);
        c.put("lr_schedule", s);
        return c;
    }

    /**
     * This optimizer for a run of {@code totalSteps} driver steps: with a schedule over the whole run
     * ({@link #withCosineAnnealingOverRun}), a fresh optimizer whose schedule ends there; otherwise this one.
     *
     * @throws IllegalArgumentException when {@code totalSteps} is not in [1, 2^31 - 1]
     */
    @Override
    public EngineOptimizer forRun(long totalSteps) {
        if (sizeForRun == null) {
            return this;
        }
        if (totalSteps < 1 || totalSteps > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a learning-rate schedule over the whole run needs between 1 and " + Integer.MAX_VALUE
                    + " steps, but the run has " + totalSteps);
        }
        return sizeForRun.apply((int) totalSteps);
    }

    /** A fresh optimizer of this configuration (schedule included) that has not stepped; this one is unchanged. */
    @Override
    public EngineOptimizer copy() {
        return new EngineOptimizer(name, config, build, schedule, sizeForRun);
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
        step(p, meanGrad, 1);
    }

    /** The core optimizer divides each element as its kernel reads it: the bits of dividing first, one pass fewer. */
    @Override
    public void stepOnSum(float[] p, float[] gradSum, int samples) {
        if (samples < 1) {
            throw new IllegalArgumentException("a step's gradient sum is over at least 1 sample, got " + samples);
        }
        step(p, gradSum, samples);
    }

    private void step(float[] p, float[] grad, int divisor) {
        if (p.length != grad.length) {
            throw new IllegalArgumentException("parameters (" + p.length + ") and gradient (" + grad.length + ") differ in length");
        }
        requireSized("step");
        bind(p, grad);
        if (flat.grad().data() != grad) {
            flat.setGrad(Tensor.wrap(grad, 0, grad.length));
        }
        if (scheduler != null) {
            // The closed form by the steps taken, so that a restored optimizer lands on the same rate.
            optimizer.setLr(scheduler.closedFormLr(Math.toIntExact(stepsTaken)));
        }
        optimizer.stepOnGradientsDividedBy(divisor);
        stepsTaken++;
    }

    /** Makes the core optimizer update {@code p}: built at the first step, rebound (state carried) to a new array. */
    private void bind(float[] p, float[] meanGrad) {
        if (optimizer != null && p == params) {
            return;
        }
        if (optimizer != null && p.length != params.length) {
            throw new IllegalArgumentException("this optimizer steps " + params.length + " parameters, got " + p.length);
        }
        OptimizerState carried = optimizer != null ? optimizer.stateDict() : pending;
        Tensor t = Optimizer.flatParameter(p, meanGrad);
        Optimizer o = build.apply(List.of(t));
        if (carried != null) {
            o.loadStateDict(carried);
        }
        optimizer = o;
        flat = t;
        params = p;
        pending = null;
    }

    @Override
    public OptimizerState state() {
        if (optimizer == null) {
            return pending != null ? pending : initial;
        }
        return optimizer.stateDict();
    }

    @Override
    public void restore(OptimizerState state) {
        long steps = checkCompatible(state);
        if (optimizer != null) {
            optimizer.loadStateDict(state);
        } else {
            // The parameter array is known only at the first step: the state is loaded (and its lengths checked) then.
            pending = steps == 0 && state.buffers().isEmpty() ? null : state;
        }
        stepsTaken = steps;
    }

    /**
     * Refuses a state of another optimizer: its name and hyperparameters must be this one's, its learning rate the
     * one this optimizer (and its schedule) would have after the same number of steps.
     *
     * @return the steps the state has taken
     */
    private long checkCompatible(OptimizerState state) {
        if (!state.optimizer().equals(initial.optimizer())) {
            throw new IllegalArgumentException("cannot restore " + state.optimizer() + " state into this " + name + " optimizer ("
                    + initial.optimizer() + ")");
        }
        long steps = state.steps().getOrDefault(STEP_KEY, 0L);
        if (steps > 0) {
            requireSized("restore a state of " + steps + " steps");
        }
        Map<String, Double> expected = new LinkedHashMap<>(initial.hyperparameters());
        if (scheduler != null && steps > 0) {
            expected.put("lr", scheduler.closedFormLr(Math.toIntExact(steps - 1)));
        }
        if (!expected.equals(state.hyperparameters())) {
            throw new IllegalArgumentException("the state's hyperparameters " + state.hyperparameters() + " after " + steps
                    + " steps are not this " + name + " optimizer's " + expected + (scheduler != null ? " (with its learning-rate schedule "
                    + config.get("lr_schedule") + ")" : " (it has no learning-rate schedule)"));
        }
        return steps;
    }

    /** Refuses to {@code what} while a schedule over the whole run does not know the run's length. */
    private void requireSized(String what) {
        if (sizeForRun != null) {
            throw new IllegalStateException("this " + name + " optimizer cannot " + what + ": its learning-rate schedule "
                    + config.get("lr_schedule") + " spans the whole run, whose length it does not know yet. The DistributedTrainer"
                    + " sizes it for each run (forRun(epochs x steps per epoch)); to step it yourself, call forRun(totalSteps)"
                    + " or use withCosineAnnealing(tMax, etaMin)");
        }
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
