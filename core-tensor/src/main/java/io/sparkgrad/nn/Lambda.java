package io.sparkgrad.nn;

import io.sparkgrad.tensor.Tensor;
import java.util.Objects;
import java.util.function.Function;

/**
 * A module made from a function, as the tutorial's {@code Lambda} (e.g. {@code new Lambda(x -> x.view(-1, 1, 28, 28))}
 * at the head of a Sequential). It has no state.
 */
public final class Lambda extends Module {
    private final Function<Tensor, Tensor> fn;

    public Lambda(Function<Tensor, Tensor> fn) {
        this.fn = Objects.requireNonNull(fn, "fn");
    }

    @Override
    public Tensor forward(Tensor input) {
        return fn.apply(input);
    }
}
