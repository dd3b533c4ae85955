package io.sparkgrad.data;

import io.sparkgrad.tensor.Tensor;

/**
 * One sample: an input {@code x} and its target {@code y} (e.g. a {@code [784]} image and a 0-dimensional INT32 label).
 */
public record Example(Tensor x, Tensor y) {
}
