package io.sparkgrad.nn;

/** {@code log(softmax(x))} along {@code dim}, computed stably, as {@code torch.nn.LogSoftmax(dim)}. Shape: any; output like the input. */
public final class LogSoftmax extends SoftmaxFamily {
    public LogSoftmax(int dim) {
        super(dim, F::logSoftmax);
    }
}
