package io.sparkgrad.nn;

import io.sparkgrad.tensor.Tensor;

/**
 * A chain of modules, each fed the previous one's output, as {@code torch.nn.Sequential}. The children are named
 * {@code 0, 1, 2, ...}, so their state is {@code 0.weight}, {@code 0.bias}, {@code 2.weight}, ...
 */
public class Sequential extends Module {

    public Sequential(Module... modules) {
        for (Module m : modules) {
            add(m);
        }
    }

    /** Appends {@code module} under the next index; returns this. */
    public final Sequential add(Module module) {
        if (module == null) {
            throw new IllegalArgumentException("Sequential: module " + size() + " is null");
        }
        registerModule(Integer.toString(size()), module);
        return this;
    }

    /** The module at {@code index} (negative counts from the end). */
    public final Module get(int index) {
        int n = size();
        int i = index < 0 ? index + n : index;
        if (i < 0 || i >= n) {
            throw new IndexOutOfBoundsException("index " + index + " is out of range for a Sequential of " + n + " modules");
        }
        return getSubmodule(Integer.toString(i));
    }

    public final int size() {
        return namedChildren().size();
    }

    @Override
    public Tensor forward(Tensor input) {
        Tensor x = input;
        for (Module m : children()) {
            x = m.forward(x);
        }
        return x;
    }
}
