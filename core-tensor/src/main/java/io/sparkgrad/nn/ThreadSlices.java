package io.sparkgrad.nn;

import io.sparkgrad.kernel.Parallelism;
import io.sparkgrad.tensor.GradFn;
import io.sparkgrad.tensor.GradMode;
import io.sparkgrad.tensor.Intermediates;
import io.sparkgrad.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The leading convolutions of a {@link Sequential} on a batch split between the threads: each thread runs whole
 * slices of the batch through the chain, forward and backward, on its own, instead of every small op of the chain
 * being split between the threads (the batch is split, not each op: oneDNN's advice, and what keeps a slice's
 * activations in its core's cache). The chain is recorded as one operation whose inputs are the batch and the chain's
 * parameters: its backward runs each slice's own graph on the thread that made it ({@link Tensor#gradients}) and
 * sums the parameters' gradients over the slices.
 */
final class ThreadSlices {
    private ThreadSlices() {
    }

    /**
     * Feeds the slices {@code [bounds[k], bounds[k + 1])} of {@code input}'s first dimension through {@code chain}
     * ({@link Sequential}'s modules {@code [0, chainEnd)}), the slices split into {@code threads} contiguous runs, one
     * per thread; returns the slices' outputs concatenated, with one grad function for the whole chain when a
     * gradient is recorded.
     */
    static Tensor forward(List<Module> modules, int chainEnd, Tensor input, int[] bounds, int threads) {
        int count = bounds.length - 1;
        List<Tensor> params = new ArrayList<>();
        for (int i = 0; i < chainEnd; i++) {
            modules.get(i).addParameters(params);
        }
        params.removeIf(p -> !p.requiresGrad());
        boolean grad = GradMode.isEnabled();
        boolean record = grad && (input.requiresGrad() || !params.isEmpty());
        Tensor[] slices = new Tensor[count];
        Tensor[] outs = new Tensor[count];
        Parallelism.parallelForChunks(count, threads, (chunk, first, end) -> {
            // Grad mode is per thread: a pool thread takes the caller's.
            boolean previous = GradMode.setEnabled(grad);
            try {
                for (int k = first; k < end; k++) {
                    Tensor x = input.narrow(0, bounds[k], bounds[k + 1] - bounds[k]);
                    // Each slice's graph ends at its own leaf: the chain's one grad function links it to the batch.
                    slices[k] = record && input.requiresGrad() ? x.detach().requiresGrad(true) : x;
                    outs[k] = Sequential.run(modules, 0, chainEnd, slices[k]);
                }
            } finally {
                GradMode.setEnabled(previous);
            }
        });
        Tensor out;
        try (var ignored = Tensor.noGrad()) {
            out = Tensor.cat(List.of(outs), 0);
        }
        if (!record) {
            // Nothing reads the slices' outputs any more: each goes back to the thread that made it.
            release(count, threads, outs);
            return out;
        }
        Tensor[] inputs = new Tensor[params.size() + 1];
        inputs[0] = input;
        for (int j = 0; j < params.size(); j++) {
            inputs[j + 1] = params.get(j);
        }
        out = GradFn.of("sliced convolutions", inputs).result(out, g -> backward(g, bounds, threads, slices, outs, inputs));
        // The slices' outputs live on only in their graphs, which free them when their backward passes end.
        for (Tensor o : outs) {
            Intermediates.consumed(o, out);
        }
        return out;
    }

    /**
     * The gradients of the batch (when it needs one) and the parameters: each slice's on the thread that ran its
     * forward pass, summed there over that thread's slices (into its first slice's), then here over the threads.
     */
    private static Tensor[] backward(Tensor g, int[] bounds, int threads, Tensor[] slices, Tensor[] outs,
            Tensor[] inputs) {
        int count = outs.length;
        boolean inputGrad = inputs[0].requiresGrad();
        // Per slice, the gradients of [the slice if inputGrad, then] the parameters.
        int firstParam = inputGrad ? 1 : 0;
        Tensor[][] grads = new Tensor[count][];
        boolean[] leads = new boolean[count];
        Parallelism.parallelForChunks(count, threads, (chunk, first, end) -> {
            leads[first] = true;
            for (int k = first; k < end; k++) {
                Tensor[] wrt = inputGrad ? inputs.clone() : Arrays.copyOfRange(inputs, 1, inputs.length);
                if (inputGrad) {
                    wrt[0] = slices[k];
                }
                grads[k] = Tensor.gradients(outs[k], g.narrow(0, bounds[k], bounds[k + 1] - bounds[k]), wrt);
                if (k > first) {
                    addInto(grads[first], grads[k], firstParam);
                }
            }
        });
        Tensor[] result = new Tensor[inputs.length];
        if (inputGrad) {
            List<Tensor> parts = new ArrayList<>(count);
            for (Tensor[] gk : grads) {
                parts.add(gk[0]);
            }
            result[0] = Tensor.cat(parts, 0);
        }
        Tensor[] sums = null;
        for (int k = 0; k < count; k++) {
            if (leads[k]) {
                if (sums == null) {
                    sums = new Tensor[grads[k].length];
                    for (int j = firstParam; j < sums.length; j++) {
                        sums[j] = grads[k][j] == null ? null : recyclableCopy(grads[k][j]);
                    }
                } else {
                    addInto(sums, grads[k], firstParam);
                }
            }
        }
        System.arraycopy(sums, firstParam, result, 1, inputs.length - 1);
        // Every slice's gradients are summed: each thread hands its arrays back to its own free lists. (They are the
        // chain's own: a convolution's input and parameter gradients are fresh arrays, never views of g.)
        release(count, threads, grads);
        return result;
    }

    /**
     * A copy of {@code t} in an array of this backward pass ({@link Tensor#empty}): the pass takes it back once it
     * has added it into the parameter's grad, where a fresh copy was garbage every step (16 KB for the tutorial CNN).
     */
    private static Tensor recyclableCopy(Tensor t) {
        try (var ignored = Tensor.noGrad()) {
            return Tensor.empty(t.shape()).copy_(t);
        }
    }

    /** Adds {@code more}'s gradients into {@code into}'s, from index {@code from}; null stays null. */
    private static void addInto(Tensor[] into, Tensor[] more, int from) {
        try (var ignored = Tensor.noGrad()) {
            for (int j = from; j < into.length; j++) {
                if (into[j] != null && more[j] != null) {
                    into[j].add_(more[j]);
                }
            }
        }
    }

    /**
     * Hands the given tensors' memory back, each slice's on the thread that ran it (the chunks of a region fall to the
     * same threads from one region to the next), so that no thread's free lists drain into another's.
     */
    private static void release(int count, int threads, Object[] perSlice) {
        Parallelism.parallelForChunks(count, threads, (chunk, first, end) -> {
            for (int k = first; k < end; k++) {
                if (perSlice[k] instanceof Tensor t) {
                    Intermediates.released(t);
                } else if (perSlice[k] instanceof Tensor[] ts) {
                    for (Tensor t : ts) {
                        if (t != null) {
                            Intermediates.released(t);
                        }
                    }
                }
            }
        });
    }
}
