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
                    continue;
                }
                Tensor[] inputs = fn.inputs();
                Tensor[] grads = fn.apply(g);
                for (int k = 0; k < inputs.length; k++) {
                    Tensor in = inputs[k];
                    if (in == null || grads[k] == null || !in.requiresGrad()) {
                        continue;
                    }
                    Tensor sofar = pending.get(in);
                    pending.put(in, sofar == null ? grads[k] : sofar.add(grads[k]));
                }
            }
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
