package io.sparkgrad.trainer.ml;

import scala.runtime.AbstractFunction1;

import java.io.Serializable;
import java.util.Arrays;

/** Validates an input shape: at least one dimension, all positive, the message naming the shape. */
final class ShapeValidator extends AbstractFunction1<int[], Object> implements Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public Object apply(int[] shape) {
        if (shape == null || shape.length == 0) {
            throw new IllegalArgumentException("inputShape needs at least one dimension, e.g. [1, 28, 28] or [64]");
        }
        for (int d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException("inputShape " + Arrays.toString(shape) + " has a non-positive dimension");
            }
        }
        return Boolean.TRUE;
    }
}
