package io.sparkgrad.tensor;

/**
 * The backward rule of one operation: from the gradient of the operation's output, the gradient of each input
 * (in the order the inputs were given to {@link GradFn#of}), or null for an input that needs none. Each returned
 * gradient must have its input's shape (reduce broadcast dimensions with {@link Tensor#sumTo(int...)}).
 */
@FunctionalInterface
public interface BackwardFn {
    Tensor[] apply(Tensor gradOutput);
}
