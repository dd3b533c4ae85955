package io.sparkgrad.data;

import io.sparkgrad.tensor.Tensor;

/**
 * A mini-batch: inputs {@code x} of shape {@code [B, ...]} and targets {@code y} of shape {@code [B, ...]} with the
 * same first dimension B (the last batch of an epoch may be smaller than the loader's batch size).
 */
public record Batch(Tensor x, Tensor y) {

    /** The number of samples, B. */
    public int size() {
        return x.dim() == 0 ? 1 : x.size(0);
    }
}
