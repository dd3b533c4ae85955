package io.sparkgrad.nn;

import io.sparkgrad.tensor.DType;
import io.sparkgrad.tensor.Device;
import io.sparkgrad.tensor.Shape;
import io.sparkgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The base of every layer and model, as {@code torch.nn.Module}: it owns parameters, buffers (state that is saved but
 * not trained, such as batch norm's running statistics) and submodules, each registered under a name, in registration
 * order. Dotted paths name nested state as PyTorch does ({@code 0.weight}, {@code conv1.bias},
 * {@code 1.running_mean}), so state dicts move between the two unchanged.
 *
 * <p>A subclass registers its state in the constructor and reads it in {@link #forward}, by name or from a field
 * holding what {@link #registerParameter} returned: {@link FlatParameters} moves a parameter's storage into a flat
 * buffer but keeps the Parameter object, so a field never goes stale. An optional parameter is registered as absent
 * ({@code null}), as PyTorch's {@code register_parameter("bias", None)}.
 */
public abstract class Module {
    private final LinkedHashMap<String, Parameter> parameters = new LinkedHashMap<>();
    private final LinkedHashMap<String, Tensor> buffers = new LinkedHashMap<>();
    private final LinkedHashMap<String, Module> modules = new LinkedHashMap<>();
    private boolean training = true;

    /** The computation of this module. */
    public abstract Tensor forward(Tensor input);

    // ------------------------------------------------------------------------------------------------ registration

    /** Registers {@code parameter} (or an absent one, when null) under {@code name}; returns it. */
    protected final Parameter registerParameter(String name, Parameter parameter) {
        checkNewName(name, "parameter");
        parameters.put(name, parameter);
        return parameter;
    }

    /** Registers a buffer: state saved in the state dict and moved with the module, but not trained. */
    protected final Tensor registerBuffer(String name, Tensor buffer) {
        checkNewName(name, "buffer");
        if (buffer != null && buffer.requiresGrad()) {
            throw new IllegalArgumentException("buffer '" + name + "' must not require grad; register it as a parameter instead");
        }
        buffers.put(name, buffer);
        return buffer;
    }

    /** Registers a submodule under {@code name} (PyTorch's {@code add_module}); returns it. */
    protected final <M extends Module> M registerModule(String name, M module) {
        checkNewName(name, "module");
        if (module == this) {
            throw new IllegalArgumentException("a module cannot be registered as its own submodule ('" + name + "')");
        }
        modules.put(name, module);
        return module;
    }

    private void checkNewName(String name, String kind) {
        Objects.requireNonNull(name, () -> kind + " name must not be null");
        if (name.isEmpty()) {
            throw new IllegalArgumentException(kind + " name can't be empty string \"\"");
        }
        if (name.contains(".")) {
            throw new IllegalArgumentException(kind + " name can't contain \".\", got \"" + name + "\"");
        }
        if (parameters.containsKey(name) || buffers.containsKey(name) || modules.containsKey(name)) {
            throw new IllegalArgumentException("attribute '" + name + "' already exists in " + getClass().getSimpleName()
                    + "; cannot register it again as a " + kind);
        }
    }

    /** This module's own parameter {@code name} (null when registered as absent). */
    protected final Parameter parameter(String name) {
        if (!parameters.containsKey(name)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " has no parameter '" + name + "'; it has "
                    + parameters.keySet());
        }
        return parameters.get(name);
    }

    /** This module's own buffer {@code name} (null when registered as absent). */
    protected final Tensor buffer(String name) {
        if (!buffers.containsKey(name)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " has no buffer '" + name + "'; it has " + buffers.keySet());
        }
        return buffers.get(name);
    }

    // ------------------------------------------------------------------------------------------------ traversal

    /** Every parameter of this module and its descendants, in registration order, each once (absent ones skipped). */
    public List<Parameter> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /**
     * Adds {@link #parameters()} to {@code out}: for a module without submodules (a layer, called every step by
     * {@link Sequential}'s sliced chain) from its own registry, without the maps that naming the whole tree builds.
     */
    void addParameters(List<? super Parameter> out) {
        if (!modules.isEmpty()) {
            out.addAll(parameters());
            return;
        }
        int from = out.size();
        for (Parameter p : parameters.values()) {
            if (p != null && !addedSince(out, from, p)) {
                out.add(p);
            }
        }
    }

    /** Whether {@code p} itself is among {@code out}'s entries from {@code from} on (a parameter registered twice). */
    private static boolean addedSince(List<?> out, int from, Parameter p) {
        for (int i = from; i < out.size(); i++) {
            if (out.get(i) == p) {
                return true;
            }
        }
        return false;
    }

    /**
     * Parameters by dotted name ({@code 0.weight}, {@code conv1.bias}), in registration order: this module's own first,
     * then each submodule's. A parameter shared by several modules appears once, under its first name.
     */
    public LinkedHashMap<String, Parameter> namedParameters() {
        return named(m -> m.parameters);
    }

    /** Buffers by dotted name ({@code 1.running_mean}), in registration order (absent ones skipped). */
    public LinkedHashMap<String, Tensor> namedBuffers() {
        return named(m -> m.buffers);
    }

    /**
     * The tensors every module of the tree registers in {@code own} (its parameters or its buffers), by dotted name in
     * registration order: each module's own first, then its submodules'; absent ones skipped, a shared one listed once
     * under its first name.
     */
    private <T extends Tensor> LinkedHashMap<String, T> named(Function<Module, Map<String, T>> own) {
        LinkedHashMap<String, T> out = new LinkedHashMap<>();
        Set<T> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Map.Entry<String, Module> m : namedModules().entrySet()) {
            for (Map.Entry<String, T> t : own.apply(m.getValue()).entrySet()) {
                if (t.getValue() != null && seen.add(t.getValue())) {
                    out.put(join(m.getKey(), t.getKey()), t.getValue());
                }
            }
        }
        return out;
    }

    /** The direct submodules, in registration order. */
    public List<Module> children() {
        return new ArrayList<>(modules.values());
    }

    /** The direct submodules by name, in registration order. */
    public LinkedHashMap<String, Module> namedChildren() {
        return new LinkedHashMap<>(modules);
    }

    /** This module (under the name "") and every descendant by dotted name, depth first, each once. */
    public LinkedHashMap<String, Module> namedModules() {
        LinkedHashMap<String, Module> out = new LinkedHashMap<>();
        collectModules("", Collections.newSetFromMap(new IdentityHashMap<>()), out);
        return out;
    }

    private void collectModules(String prefix, Set<Module> seen, LinkedHashMap<String, Module> out) {
        if (!seen.add(this)) {
            return;
        }
        out.put(prefix, this);
        for (Map.Entry<String, Module> child : modules.entrySet()) {
            if (child.getValue() != null) {
                child.getValue().collectModules(join(prefix, child.getKey()), seen, out);
            }
        }
    }

    /** The submodule at a dotted path ({@code "features.0"}); the empty path is this module. */
    public Module getSubmodule(String target) {
        Module m = this;
        if (target.isEmpty()) {
            return m;
        }
        for (String part : target.split("\\.", -1)) {
            Module next = m.modules.get(part);
            if (next == null) {
                throw new IllegalArgumentException(m.getClass().getSimpleName() + " has no submodule '" + part + "' (looking up '" + target
                        + "'); it has " + m.modules.keySet());
            }
            m = next;
        }
        return m;
    }

    /** The parameter at a dotted path ({@code "0.weight"}). */
    public Parameter getParameter(String target) {
        int dot = target.lastIndexOf('.');
        Module owner = getSubmodule(dot < 0 ? "" : target.substring(0, dot));
        return owner.parameter(target.substring(dot + 1));
    }

    /** The buffer at a dotted path ({@code "1.running_var"}). */
    public Tensor getBuffer(String target) {
        int dot = target.lastIndexOf('.');
        Module owner = getSubmodule(dot < 0 ? "" : target.substring(0, dot));
        return owner.buffer(target.substring(dot + 1));
    }

    private static String join(String prefix, String name) {
        return prefix.isEmpty() ? name : prefix + "." + name;
    }

    // ------------------------------------------------------------------------------------------------ modes and state

    /**
     * Sets every existing gradient to zero in place. The gradient tensors are kept (not set to null), so gradients that
     * are views into a flat buffer ({@link FlatParameters}) stay views.
     */
    public void zeroGrad() {
        for (Parameter p : parameters()) {
            if (p.grad() != null) {
                p.grad().zero_();
            }
        }
    }

    /** Puts this module and all descendants in training mode; returns this. */
    public Module train() {
        return train(true);
    }

    /** Sets training mode ({@code true}) or evaluation mode ({@code false}) here and in all descendants; returns this. */
    public Module train(boolean mode) {
        for (Module m : namedModules().values()) {
            m.training = mode;
        }
        return this;
    }

    /** Puts this module and all descendants in evaluation mode (dropout off, batch norm on running statistics). */
    public Module eval() {
        return train(false);
    }

    public boolean isTraining() {
        return training;
    }

    /**
     * Moves every parameter (with its gradient) and buffer of this module and its descendants to {@code device}, in
     * place; returns this. As in PyTorch, each {@link Parameter} stays the same object, now over storage on the device,
     * so an optimizer made before or after holds the moved parameters. Moving to CUDA where it is unusable fails with
     * the reason ({@code Devices.require}); nothing moves then.
     */
    public Module to(Device device) {
        Objects.requireNonNull(device, "device");
        for (Parameter p : parameters()) {
            p.moveTo(device);
        }
        for (Module m : namedModules().values()) {
            for (Map.Entry<String, Tensor> b : m.buffers.entrySet()) {
                if (b.getValue() != null) {
                    b.setValue(b.getValue().to(device));
                }
            }
        }
        return this;
    }

    /** Applies {@code fn} to every submodule (children first, recursively) and then to this module; returns this. */
    public Module apply(Consumer<Module> fn) {
        for (Module child : modules.values()) {
            if (child != null) {
                child.apply(fn);
            }
        }
        fn.accept(this);
        return this;
    }

    /**
     * The parameters and buffers by PyTorch's dotted names, in PyTorch's order (each module's parameters, then its
     * buffers, then its submodules). The values share storage with the module's state but carry no autograd graph.
     */
    public LinkedHashMap<String, Tensor> stateDict() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        collectState("", out);
        return out;
    }

    /** No deduplication here: a module or parameter reachable under two names is saved under both, as in PyTorch. */
    private void collectState(String prefix, LinkedHashMap<String, Tensor> out) {
        for (Map.Entry<String, Parameter> p : parameters.entrySet()) {
            if (p.getValue() != null) {
                out.put(prefix + p.getKey(), p.getValue().detach());
            }
        }
        for (Map.Entry<String, Tensor> b : buffers.entrySet()) {
            if (b.getValue() != null) {
                out.put(prefix + b.getKey(), b.getValue().detach());
            }
        }
        for (Map.Entry<String, Module> m : modules.entrySet()) {
            if (m.getValue() != null) {
                m.getValue().collectState(prefix + m.getKey() + ".", out);
            }
        }
    }

    /** What a non-strict load left out: keys the module has that the state lacked, and keys it did not use. */
    public record IncompatibleKeys(List<String> missingKeys, List<String> unexpectedKeys) {
        public IncompatibleKeys {
            missingKeys = List.copyOf(missingKeys);
            unexpectedKeys = List.copyOf(unexpectedKeys);
        }
    }

    /**
     * Copies {@code state} into this module's parameters and buffers, in place (views into flat buffers stay views).
     * Every entry is checked before anything is copied: a shape mismatch is always an error; with {@code strict},
     * missing and unexpected keys are too. All problems are listed in one message, as PyTorch's
     * {@code load_state_dict}.
     *
     * @return the missing and unexpected keys (both empty after a strict load)
     */
    public IncompatibleKeys loadStateDict(Map<String, Tensor> state, boolean strict) {
        LinkedHashMap<String, Tensor> own = stateDict();
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            Tensor src = state.get(e.getKey());
            if (src == null) {
                missing.add(e.getKey());
            } else if (!Arrays.equals(src.shape(), e.getValue().shape())) {
                problems.add("size mismatch for " + e.getKey() + ": copying a param with shape " + Shape.format(src.shape())
                        + " from checkpoint, the shape in current model is " + Shape.format(e.getValue().shape()) + ".");
            } else if (src.dtype() != DType.FLOAT32 && src.dtype() != DType.INT32) {
                problems.add("dtype mismatch for " + e.getKey() + ": " + src.dtype() + " cannot be copied into a FLOAT32 tensor.");
            }
        }
        for (String key : state.keySet()) {
            if (!own.containsKey(key)) {
                unexpected.add(key);
            }
        }
        List<String> lines = new ArrayList<>();
        if (strict && !missing.isEmpty()) {
            lines.add("Missing key(s) in state_dict: " + quoted(missing) + ".");
        }
        if (strict && !unexpected.isEmpty()) {
            lines.add("Unexpected key(s) in state_dict: " + quoted(unexpected) + ".");
        }
        lines.addAll(problems);
        if (!lines.isEmpty()) {
            throw new IllegalArgumentException("Error(s) in loading state_dict for " + getClass().getSimpleName() + ":\n\t"
                    + String.join("\n\t", lines));
        }
        try (var ignored = Tensor.noGrad()) {
            for (Map.Entry<String, Tensor> e : own.entrySet()) {
                Tensor src = state.get(e.getKey());
                if (src != null) {
                    e.getValue().copy_(src);
                }
            }
        }
        return new IncompatibleKeys(missing, unexpected);
    }

    private static String quoted(List<String> keys) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < keys.size(); i++) {
            sb.append(i > 0 ? ", " : "").append('"').append(keys.get(i)).append('"');
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------------------------------------ printing

    /** The module's own settings for {@link #toString()}, as PyTorch's {@code extra_repr} (e.g. {@code in_features=784, ...}). */
    protected String extraRepr() {
        return "";
    }

    /** PyTorch's module print: {@code Name(extra)}, or the children one per line as {@code (name): Child(...)}, indented. */
    @Override
    public String toString() {
        List<String> lines = new ArrayList<>();
        String extra = extraRepr();
        List<String> extraLines = extra.isEmpty() ? List.of() : Arrays.asList(extra.split("\n"));
        lines.addAll(extraLines);
        for (Map.Entry<String, Module> child : modules.entrySet()) {
            String repr = String.valueOf(child.getValue()).replace("\n", "\n  ");
            lines.add("(" + child.getKey() + "): " + repr);
        }
        StringBuilder sb = new StringBuilder(getClass().getSimpleName()).append('(');
        if (!lines.isEmpty()) {
            if (extraLines.size() == 1 && modules.isEmpty()) {
                sb.append(extraLines.get(0));
            } else {
                sb.append("\n  ").append(String.join("\n  ", lines)).append('\n');
            }
        }
        return sb.append(')').toString();
    }

    /** Python's spelling of a boolean, for extraRepr strings that match PyTorch's. */
    static String py(boolean b) {
        return b ? "True" : "False";
    }

    /** A pair as PyTorch prints a size argument: {@code 3} when given as one int, {@code (3, 2)} as a tuple. */
    static String pyPair(int[] v, boolean tuple) {
        return tuple ? "(" + v[0] + ", " + v[1] + ")" : Integer.toString(v[0]);
    }
}
