package io.sparkgrad.examples.tutorial;

import io.sparkgrad.tensor.Tensor;

/**
 * The tutorial's data: MNIST training images 0-49,999 as the training set and 50,000-59,999 as the validation set,
 * flattened to 784 pixels scaled by 1/256, labels as INT32.
 *
 * @param xTrain [50000, 784]
 * @param yTrain [50000]
 * @param xValid [10000, 784]
 * @param yValid [10000]
 */
public record TutorialData(Tensor xTrain, Tensor yTrain, Tensor xValid, Tensor yValid) {

    /** Number of training samples. */
    public int n() {
        return xTrain.size(0);
    }
}
