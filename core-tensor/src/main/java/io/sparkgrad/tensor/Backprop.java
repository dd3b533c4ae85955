package io.sparkgrad.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
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
    private Backprop() {
    }

    static void run(Tensor root, Tensor upstream) {
        if (!root.requiresGrad()) {
            throw new IllegalStateException("element 0 of tensors does not require grad and does not have a grad_fn");
        }
        if (!Arrays.equals(upstream.shape(), root.shape())) {
            throw new IllegalArgumentException("upstream gradient has shape " + Shape.format(upstream.shape())
                    + " but the tensor has shape " + Shape.format(root.shape()));
        }
        List<Tensor> order = topologicalOrder(root);
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
                GradFn fn = t.gradFn();
                if (fn == null) {
                    t.accumulateGrad(g);
                    release(g, buffers);
                    continue;
                }
                Tensor[] inputs = fn.inputs();
                Tensor[] grads = fn.apply(g);
                for (int k = 0; k < inputs.length; k++) {
                    Tensor in = inputs[k];
                    if (in == null || grads[k] == null || !in.requiresGrad()) {
                        continue;
                    }
                    hold(grads[k]);
                    Tensor sofar = pending.get(in);
                    if (sofar == null) {
                        pending.put(in, grads[k]);
                    } else {
                        Tensor sum = sofar.add(grads[k]);
                        hold(sum);
                        pending.put(in, sum);
                        release(sofar, buffers);
                        release(grads[k], buffers);
                    }
                }
                // After the holds above: a rule may pass its incoming gradient on (or a view of it) as an input's.
                release(g, buffers);
            }
            // Every rule that could read them has run: as PyTorch frees the graph's saved tensors after backward().
            for (Tensor t : order) {
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

    /** Counts one more pending gradient on a recyclable storage. */
    private static void hold(Tensor g) {
        Storage s = g.storage();
        if (s.recyclable) {
            s.gradRefs++;
        }
    }

    /** Drops one pending gradient's use of its storage; the last use of a recyclable one hands its array back. */
    private static void release(Tensor g, GradBuffers buffers) {
        Storage s = g.storage();
        if (s.recyclable && --s.gradRefs == 0) {
            buffers.free(s);
        }
    }

    /** Tensors reachable from root through grad functions, each after all of its inputs (iterative DFS). */
    private static List<Tensor> topologicalOrder(Tensor root) {
        List<Tensor> order = new ArrayList<>();
        Set<Tensor> visited = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[] {root, 0});
        visited.add(root);
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Tensor t = (Tensor) frame[0];
            int next = (Integer) frame[1];
            Tensor[] inputs = t.gradFn() == null ? new Tensor[0] : t.gradFn().inputs();
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
