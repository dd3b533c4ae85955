package io.sparkgrad.nn;

/**
 * {@code exp(x) / sum(exp(x))} along {@code dim}, as {@code torch.nn.Softmax(dim)}, computed stably as
 * {@code exp(log_softmax(x))}. Shape: any; output like the input, each slice along {@code dim} summing to 1.
 */
public final class Softmax extends SoftmaxFamily {
    public Softmax(int dim) {
        super(dim, F::softmax);
    }
}
