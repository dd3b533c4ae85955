package io.sparkgrad.tensor;

/**
 * The backward rule of one operation: from the gradient of the operation's output, the gradient of each input
 * (in the order the inputs were given to {@link GradFn#of}), or null for an input that needs none. Each returned
 * gradient must have its input's shape (reduce broadcast dimensions with {@link Tensor#sumTo(int...)}).
 *
 * <p>The gradient handed in, and the gradients returned, belong to the backward pass: their memory is reused once
 * the pass has consumed them ({@link Tensor#zeros} and {@link Tensor#empty} draw from it). Copy one to keep it.
 */
@FunctionalInterface
public interface BackwardFn {
    Tensor[] apply(Tensor gradOutput);
}
