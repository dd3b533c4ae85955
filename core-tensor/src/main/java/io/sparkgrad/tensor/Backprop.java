package io.sparkgrad.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reverse-mode differentiation over the recorded graph: order the tensors topologically from the root, then walk
 * them in reverse, handing each operation the sum of the gradients that reached its output (so fan-out and reuse are
 * right) and accumulating the gradients of leaves into their {@code grad}.
 */
final class Backprop {
    private static final Tensor[] NO_INPUTS = new Tensor[0];

    private Backprop() {
    }

    static void run(Tensor root, Tensor upstream) {
        walk(root, upstream, null);
    }

    /**
     * The gradients of {@code root} (given its upstream gradient) with respect to {@code inputs}, null for an input
     * the graph does not reach; no leaf's {@code grad} changes, as {@code torch.autograd.grad}. The walk stops at the
     * inputs: what made them is not visited. The returned gradients are the caller's (never recycled).
     */
    static Tensor[] gradients(Tensor root, Tensor upstream, Tensor[] inputs) {
        Map<Tensor, Integer> wanted = new IdentityHashMap<>();
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i] == null || !inputs[i].requiresGrad()) {
                throw new IllegalArgumentException("gradients: input " + i + " does not require grad");
            }
            wanted.putIfAbsent(inputs[i], i);
        }
        Tensor[] found = new Tensor[inputs.length];
        walk(root, upstream, new Collector() {
            @Override
            public boolean stopsAt(Tensor t) {
                return wanted.containsKey(t);
            }

            @Override
            public void take(Tensor t, Tensor g) {
                if (g.storage() != upstream.storage()) {
                    // Out of the recycling scheme: the caller keeps it.
                    g.storage().recyclable = false;
                }
                found[wanted.get(t)] = g;
            }
        });
        for (int i = 0; i < inputs.length; i++) {
            Integer first = wanted.get(inputs[i]);
            if (first != i) {
                found[i] = found[first];
            }
        }
        return found;
    }

    /** Takes the gradients reaching the tensors of interest instead of passing them on. */
    private interface Collector {
        /** Whether {@code t} is one of the tensors of interest: the walk stops there. */
        boolean stopsAt(Tensor t);

        /** Receives the whole gradient of a tensor of interest. */
        void take(Tensor t, Tensor g);
    }

    /**
     * Back-propagates {@code upstream} from {@code root}: into the leaves' {@code grad} when {@code collector} is
     * null, else into the collector, which stops the walk at the tensors it takes (and no leaf's grad changes).
     * The upstream's memory is the caller's: the walk neither counts nor frees it (a backward rule may call this on
     * slices of its own incoming gradient, from several threads at once).
     */
    private static void walk(Tensor root, Tensor upstream, Collector collector) {
        if (!root.requiresGrad()) {
            throw new IllegalStateException("element 0 of tensors does not require grad and does not have a grad_fn");
        }
        if (!upstream.sameShape(root)) {
            throw new IllegalArgumentException("upstream gradient has shape " + Shape.format(upstream.shape())
                    + " but the tensor has shape " + Shape.format(root.shape()));
        }
        List<Tensor> order = topologicalOrder(root, collector);
        Storage foreign = upstream.storage();
        Map<Tensor, Tensor> pending = new IdentityHashMap<>();
        pending.put(root, upstream);
        GradBuffers buffers = GradBuffers.current();
        buffers.enter();
        try (var ignored = Tensor.noGrad()) {
            for (int i = order.size() - 1; i >= 0; i--) {
                Tensor t = order.get(i);
                Tensor g = pending.remove(t);
                if (g == null) {
                    continue;
                }
                if (collector != null && collector.stopsAt(t)) {
                    collector.take(t, g);
                    continue;
                }
                GradFn fn = t.gradFn();
                if (fn == null) {
                    if (collector == null) {
                        t.accumulateGrad(g);
                    }
                    release(g, buffers, foreign);
                    continue;
                }
                Tensor[] inputs = fn.inputs();
                Tensor[] grads = fn.apply(g);
                for (int k = 0; k < inputs.length; k++) {
                    Tensor in = inputs[k];
                    if (in == null || grads[k] == null || !in.requiresGrad()) {
                        continue;
                    }
                    hold(grads[k], foreign);
                    Tensor sofar = pending.get(in);
                    if (sofar == null) {
                        pending.put(in, grads[k]);
                    } else {
                        Tensor sum = sofar.add(grads[k]);
                        hold(sum, foreign);
                        pending.put(in, sum);
                        release(sofar, buffers, foreign);
                        release(grads[k], buffers, foreign);
                    }
                }
                // After the holds above: a rule may pass its incoming gradient on (or a view of it) as an input's.
                release(g, buffers, foreign);
            }
            // Every rule that could read them has run: as PyTorch frees the graph's saved tensors after backward().
            for (Tensor t : order) {
                if (collector != null && collector.stopsAt(t)) {
                    // The caller's input, and the graph that made it: a later pass may still go through them.
                    continue;
                }
                if (t.storage().freeAfterBackward) {
                    buffers.free(t.storage());
                }
                // An op's own buffers that only it saved (a copy of its input in another layout) come back too.
                GradFn fn = t.gradFn();
                if (fn != null) {
                    for (Tensor s : fn.saved()) {
                        if (s.storage().freeAfterBackward) {
                            buffers.free(s.storage());
                        }
                    }
                }
            }
        } finally {
            buffers.exit();
        }
    }

    /** Counts one more pending gradient on a recyclable storage (not the caller's upstream). */
    private static void hold(Tensor g, Storage foreign) {
        Storage s = g.storage();
        if (s.recyclable && s != foreign) {
            s.gradRefs++;
        }
    }

    /** Drops one pending gradient's use of its storage; the last use of a recyclable one hands its array back. */
    private static void release(Tensor g, GradBuffers buffers, Storage foreign) {
        Storage s = g.storage();
        if (s.recyclable && s != foreign && --s.gradRefs == 0) {
            buffers.free(s);
        }
    }

    /**
     * Tensors reachable from root through grad functions, each after all of its inputs (iterative DFS); not through
     * the tensors the collector stops at, if any.
     */
    private static List<Tensor> topologicalOrder(Tensor root, Collector collector) {
        List<Tensor> order = new ArrayList<>();
        Set<Tensor> visited = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[] {root, 0});
        visited.add(root);
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Tensor t = (Tensor) frame[0];
            int next = (Integer) frame[1];
            Tensor[] inputs = t.gradFn() == null || (collector != null && collector.stopsAt(t)) ? NO_INPUTS : t.gradFn().inputs();
            boolean descended = false;
            while (next < inputs.length) {
                Tensor in = inputs[next++];
                if (in != null && in.requiresGrad() && visited.add(in)) {
                    frame[1] = next;
                    stack.push(new Object[] {in, 0});
                    descended = true;
                    break;
                }
            }
            if (!descended) {
                frame[1] = next;
                stack.pop();
                order.add(t);
            }
        }
        return order;
    }
}
