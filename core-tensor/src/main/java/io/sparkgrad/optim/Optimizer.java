package io.sparkgrad.optim;

import io.sparkgrad.tensor.DType;
import io.sparkgrad.tensor.Device;
import io.sparkgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Updates a fixed list of parameters from their gradients, as {@code torch.optim.Optimizer} (one parameter group).
 *
 * <p>The usual loop is PyTorch's: {@code opt.zeroGrad(); loss = ...; loss.backward(); opt.step();}. {@link #step()}
 * skips parameters whose {@link Tensor#grad() grad} is null, runs without recording gradients, and writes each
 * parameter's storage in place, so parameters that are views into one flat buffer stay views of it. Per-parameter
 * state (momentum, Adam's moments, the step count) is created lazily at a parameter's first step, as in PyTorch,
 * and {@link #stateDict()} / {@link #loadStateDict(OptimizerState)} capture and restore all of it together with the
 * hyperparameters, so that a run resumed from a checkpoint continues bit for bit.
 *
 * <p>The trainer's driver, which holds the parameters and the averaged gradient as two flat {@code float[]}, uses
 * {@link #flatParameter(float[], float[])}: one leaf tensor over the parameter array whose grad is a view of the
 * gradient array; writing the gradient array and calling {@link #step()} updates the parameter array in place.
 */
public abstract class Optimizer {
    private final List<Tensor> params;
    private double lr;
    /** Steps taken per parameter; 0 means the parameter has no state yet. */
    private final long[] steps;
    /** Per parameter, the state buffers in the order of {@link #stateNames()}; null until its first step. */
    private final float[][][] state;
    /**
     * Per parameter on a CUDA device, its state buffers there (the host's {@link #state} is then stale): null until its
     * first step on the device, and again once they are copied back.
     */
    private final Tensor[][] deviceState;

    /**
     * @param params the tensors to update, each a FLOAT32 leaf and listed once
     * @param lr the learning rate (finite and at least 0)
     * @throws IllegalArgumentException on an empty list, a null, non-leaf, non-float or repeated tensor, or a bad lr
     */
    protected Optimizer(List<? extends Tensor> params, double lr) {
        if (params == null || params.isEmpty()) {
            throw new IllegalArgumentException("optimizer got an empty parameter list");
        }
        Map<Tensor, Integer> seen = new IdentityHashMap<>();
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            if (p == null) {
                throw new IllegalArgumentException("parameter " + i + " is null");
            }
            if (!p.isLeaf()) {
                throw new IllegalArgumentException("can't optimize a non-leaf Tensor (parameter " + i + ", " + p + "); pass the leaf "
                        + "tensors (e.g. module.parameters()), not results of operations on them");
            }
            if (p.dtype() != DType.FLOAT32) {
                throw new IllegalArgumentException("parameter " + i + " is " + p.dtype() + "; only FLOAT32 tensors can be optimized");
            }
            Integer previous = seen.put(p, i);
            if (previous != null) {
                throw new IllegalArgumentException("parameter " + i + " is the same tensor as parameter " + previous
                        + "; list each parameter once or it would be updated twice per step");
            }
        }
        this.params = Collections.unmodifiableList(new ArrayList<>(params));
        this.lr = checkLr(lr);
        this.steps = new long[params.size()];
        this.state = new float[params.size()][][];
        this.deviceState = new Tensor[params.size()][];
    }

    /**
     * A leaf tensor over {@code data} whose grad is a view of {@code grad}: an optimizer over
     * {@code List.of(flatParameter(data, grad))} updates {@code data} in place from whatever was last written into
     * {@code grad}.
     *
     * <p>Shape: both arrays {@code [n]}, the same length.
     */
    public static Tensor flatParameter(float[] data, float[] grad) {
        if (data.length != grad.length) {
            throw new IllegalArgumentException("flat parameter array has " + data.length + " floats but the gradient array has "
                    + grad.length + "; they must have the same length");
        }
        Tensor p = Tensor.wrap(data, 0, data.length).requiresGrad(true);
        p.setGrad(Tensor.wrap(grad, 0, grad.length));
        return p;
    }

    /** The optimizer's name as stored in its state ({@code "SGD"}, {@code "Adam"}, {@code "AdamW"}). */
    public abstract String name();

    /** The parameters, in the order given (the indices used by {@link #stateDict()}). */
    public final List<Tensor> params() {
        return params;
    }

    /** The current learning rate. */
    public final double lr() {
        return lr;
    }

    /** Sets the learning rate used by the next {@link #step()} (what a scheduler does). */
    public final void setLr(double lr) {
        this.lr = checkLr(lr);
    }

    /** Zeroes every existing gradient in place (the grad tensors are kept, so flat-buffer views stay views). */
    public final void zeroGrad() {
        try (var ignored = Tensor.noGrad()) {
            for (Tensor p : params) {
                Tensor g = p.grad();
                if (g != null) {
                    g.zero_();
                }
            }
        }
    }

    /** Performs one update of every parameter that has a gradient. */
    public final void step() {
        step(1f);
    }

    /**
     * Performs one update as {@link #step()} would after dividing every gradient by {@code gradDivisor}, and leaves
     * the gradients as they are: on the CPU, the very bits of dividing each gradient element by {@code gradDivisor}
     * (an IEEE division, not a multiplication by the reciprocal) and stepping, the division done where the update
     * reads the element, one pass over memory fewer. A driver whose gradients are sums over a global batch steps on
     * their mean this way.
     *
     * @throws IllegalArgumentException if {@code gradDivisor} is not a positive finite number
     */
    public final void stepOnGradientsDividedBy(float gradDivisor) {
        if (!(gradDivisor > 0f) || gradDivisor == Float.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("gradient divisor must be a positive finite number, got " + gradDivisor);
        }
        step(gradDivisor);
    }

    private void step(float gradDivisor) {
        List<String> names = stateNames();
        try (var ignored = Tensor.noGrad()) {
            for (int i = 0; i < params.size(); i++) {
                Tensor p = params.get(i);
                Tensor g = p.grad();
                if (g == null) {
                    continue;
                }
                int n = p.numel();
                if (state[i] == null) {
                    state[i] = new float[names.size()][n];
                }
                long t = ++steps[i];
                if (p.device().kind() != Device.Kind.CPU) {
                    stepOnDevice(i, p, gradDivisor == 1f ? g : g.div(Tensor.scalar(gradDivisor).to(g.device())), t);
                    continue;
                }
                stateToHost(i);
                float[] gArr;
                int gOff;
                if (g.isContiguous()) {
                    gArr = g.data();
                    gOff = g.storageOffset();
                } else {
                    gArr = g.toFloatArray();
                    gOff = 0;
                }
                if (p.isContiguous()) {
                    update(p.data(), p.storageOffset(), gArr, gOff, gradDivisor, n, state[i], t);
                    p.markModified();
                } else {
                    // Rare (a strided view as parameter): update a copy and write it back through the view.
                    float[] values = p.toFloatArray();
                    update(values, 0, gArr, gOff, gradDivisor, n, state[i], t);
                    p.copy_(Tensor.of(values, p.shape()));
                }
            }
        }
    }

    /** A step of a parameter on a CUDA device, with its state there (moved there from the host at its first step). */
    private void stepOnDevice(int i, Tensor p, Tensor g, long t) {
        if (deviceState[i] != null && deviceState[i].length > 0 && !deviceState[i][0].device().equals(p.device())) {
            stateToHost(i);
        }
        if (deviceState[i] == null) {
            Tensor[] buffers = new Tensor[state[i].length];
            for (int b = 0; b < buffers.length; b++) {
                buffers[b] = Tensor.of(state[i][b].clone(), p.shape()).to(p.device());
            }
            deviceState[i] = buffers;
        }
        updateOnDevice(p, g, deviceState[i], t);
    }

    /** Copies parameter {@code i}'s state back from its device, if it is there. */
    private void stateToHost(int i) {
        if (deviceState[i] == null) {
            return;
        }
        for (int b = 0; b < deviceState[i].length; b++) {
            state[i][b] = deviceState[i][b].cpu().toFloatArray();
        }
        deviceState[i] = null;
    }

    /**
     * Applies the update rule to one contiguous parameter on a CUDA device, in place, as {@link #update} does on the host.
     *
     * @param buffers the parameter's state there, in the order of {@link #stateNames()}, zeros at step 1
     * @throws UnsupportedOperationException where the rule (or a setting of it) has no CUDA implementation
     */
    protected void updateOnDevice(Tensor param, Tensor grad, Tensor[] buffers, long step) {
        throw new UnsupportedOperationException(name() + " has no CUDA implementation of its step in this build, and a parameter is on "
                + param.device() + ". Move the model to the CPU with to(Device.CPU).");
    }

    /**
     * Applies the update rule to one parameter, in place.
     *
     * @param param the parameter's storage; elements {@code [paramOffset, paramOffset + n)}
     * @param grad the gradient's storage; elements {@code [gradOffset, gradOffset + n)}
     * @param buffers this parameter's state, one array of length n per name in {@link #stateNames()}, zeros at step 1
     * @param step the number of this step for this parameter, starting at 1
     */
    protected abstract void update(float[] param, int paramOffset, float[] grad, int gradOffset, int n, float[][] buffers, long step);

    /**
     * {@link #update(float[], int, float[], int, int, float[][], long)} with every gradient element divided by
     * {@code gradDivisor} (in float) first, the gradient array left as it is. This default divides a copy; a rule
     * whose kernel divides where it reads the gradient overrides it, saving that pass.
     */
    protected void update(float[] param, int paramOffset, float[] grad, int gradOffset, float gradDivisor, int n,
            float[][] buffers, long step) {
        if (gradDivisor == 1f) {
            update(param, paramOffset, grad, gradOffset, n, buffers, step);
            return;
        }
        float[] divided = new float[n];
        for (int k = 0; k < n; k++) {
            divided[k] = grad[gradOffset + k] / gradDivisor;
        }
        update(param, paramOffset, divided, 0, n, buffers, step);
    }

    /** Names of the per-parameter state buffers the update rule keeps under the current hyperparameters. */
    protected abstract List<String> stateNames();

    /** The hyperparameters other than lr, under PyTorch's names, booleans as 1.0 / 0.0. */
    protected abstract Map<String, Double> otherHyperparameters();

    /**
     * Validates and sets the hyperparameters other than lr from a map with exactly the keys of
     * {@link #otherHyperparameters()}; sets nothing when a value is invalid.
     */
    protected abstract void setOtherHyperparameters(Map<String, Double> values);

    /** A snapshot of the hyperparameters (lr included), step counts and state buffers (see {@link OptimizerState}). */
    public final OptimizerState stateDict() {
        Map<String, Double> hyper = new LinkedHashMap<>();
        hyper.put("lr", lr);
        hyper.putAll(otherHyperparameters());
        Map<String, Long> stepMap = new LinkedHashMap<>();
        Map<String, float[]> buffers = new LinkedHashMap<>();
        List<String> names = stateNames();
        for (int i = 0; i < params.size(); i++) {
            if (state[i] == null) {
                continue;
            }
            stateToHost(i);
            stepMap.put(i + ".step", steps[i]);
            for (int b = 0; b < names.size(); b++) {
                buffers.put(i + "." + names.get(b), state[i][b].clone());
            }
        }
        return new OptimizerState(name(), hyper, stepMap, buffers);
    }

    /**
     * Restores hyperparameters, step counts and buffers from {@code saved} (copying the arrays). Everything is checked
     * first: the optimizer's name, the set of hyperparameters and their values, that every parameter with state has a
     * step count and exactly the buffers its update rule needs, each as long as the parameter. On error nothing changes.
     *
     * @throws IllegalArgumentException naming the offending key and what was expected
     */
    public final void loadStateDict(OptimizerState saved) {
        if (!saved.optimizer().equals(name())) {
            throw new IllegalArgumentException("cannot load " + saved.optimizer() + " state into this " + name() + " optimizer");
        }
        Map<String, Double> current = new LinkedHashMap<>(otherHyperparameters());
        TreeSet<String> expected = new TreeSet<>(current.keySet());
        expected.add("lr");
        TreeSet<String> given = new TreeSet<>(saved.hyperparameters().keySet());
        if (!given.equals(expected)) {
            TreeSet<String> missing = new TreeSet<>(expected);
            missing.removeAll(given);
            TreeSet<String> unexpected = new TreeSet<>(given);
            unexpected.removeAll(expected);
            throw new IllegalArgumentException(name() + " state has the wrong hyperparameters: missing " + missing + ", unexpected "
                    + unexpected + " (expected " + expected + ")");
        }
        double newLr = checkLr(saved.hyperparameters().get("lr"));
        Map<String, Double> other = new LinkedHashMap<>(saved.hyperparameters());
        other.remove("lr");
        setOtherHyperparameters(other);
        try {
            loadBuffers(saved);
        } catch (RuntimeException e) {
            setOtherHyperparameters(current);
            throw e;
        }
        this.lr = newLr;
    }

    private void loadBuffers(OptimizerState saved) {
        List<String> names = stateNames();
        long[] newSteps = new long[params.size()];
        for (Map.Entry<String, Long> e : saved.steps().entrySet()) {
            int i = paramIndex(e.getKey(), "step");
            if (!e.getKey().equals(i + ".step")) {
                throw new IllegalArgumentException(name() + " state has an unknown step key '" + e.getKey() + "'; expected '<param>.step'");
            }
            if (e.getValue() == null || e.getValue() < 1) {
                throw new IllegalArgumentException(name() + " state '" + e.getKey() + "' = " + e.getValue() + "; a stored step count is at least 1");
            }
            newSteps[i] = e.getValue();
        }
        float[][][] newState = new float[params.size()][][];
        for (int i = 0; i < params.size(); i++) {
            if (newSteps[i] > 0) {
                newState[i] = new float[names.size()][];
            }
        }
        for (Map.Entry<String, float[]> e : saved.buffers().entrySet()) {
            String key = e.getKey();
            int dot = key.indexOf('.');
            int i = paramIndex(key, "buffer");
            int b = names.indexOf(key.substring(dot + 1));
            if (b < 0) {
                throw new IllegalArgumentException(name() + " state has an unexpected buffer '" + key + "'; with these hyperparameters "
                        + "each parameter keeps " + names);
            }
            if (newState[i] == null) {
                throw new IllegalArgumentException(name() + " state has buffer '" + key + "' but no step count '" + i + ".step'");
            }
            float[] values = e.getValue();
            int n = params.get(i).numel();
            if (values == null || values.length != n) {
                throw new IllegalArgumentException(name() + " state buffer '" + key + "' has " + (values == null ? "no" : values.length)
                        + " elements but parameter " + i + " has " + n);
            }
            newState[i][b] = values.clone();
        }
        for (int i = 0; i < params.size(); i++) {
            for (int b = 0; newState[i] != null && b < names.size(); b++) {
                if (newState[i][b] == null) {
                    throw new IllegalArgumentException(name() + " state lacks buffer '" + i + "." + names.get(b) + "' for parameter " + i
                            + ", which has a step count");
                }
            }
        }
        System.arraycopy(newSteps, 0, steps, 0, steps.length);
        System.arraycopy(newState, 0, state, 0, state.length);
        // Parameters on a device take the loaded state there at their next step.
        Arrays.fill(deviceState, null);
    }

    private int paramIndex(String key, String what) {
        int dot = key.indexOf('.');
        int i;
        try {
            i = dot > 0 ? Integer.parseInt(key.substring(0, dot)) : -1;
        } catch (NumberFormatException e) {
            i = -1;
        }
        if (i < 0 || i >= params.size()) {
            throw new IllegalArgumentException(name() + " state " + what + " key '" + key + "' does not start with a parameter index in [0, "
                    + params.size() + ")");
        }
        return i;
    }

    static double checkLr(double lr) {
        require(Double.isFinite(lr) && lr >= 0, "Invalid learning rate: " + lr);
        return lr;
    }

    /** Throws {@link IllegalArgumentException} with {@code message} unless {@code ok}. */
    static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Requires a finite value of at least 0, with PyTorch's message ({@code Invalid weight_decay value: -1.0}). */
    static void requireNonNegative(String name, double value) {
        require(Double.isFinite(value) && value >= 0, "Invalid " + name + " value: " + value);
    }

    /** Reads a boolean stored as 1.0 / 0.0 in a state's hyperparameters. */
    static boolean flag(Map<String, Double> values, String key) {
        double v = values.get(key);
        require(v == 0.0 || v == 1.0, "hyperparameter '" + key + "' is a flag and must be 0 or 1, got " + v);
        return v == 1.0;
    }

    static double flagValue(boolean b) {
        return b ? 1.0 : 0.0;
    }
}
