package io.sparkgrad.examples.tutorial;

import io.sparkgrad.ingest.mnist.Mnist;
import io.sparkgrad.ingest.mnist.MnistSplit;
import io.sparkgrad.ingest.mnist.PixelScaling;
import io.sparkgrad.tensor.Tensor;
import java.io.IOException;

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

    /** Loads the tutorial's split from the MNIST cache, downloading (and checking) the files first if needed. */
    public static TutorialData load() throws IOException {
        Mnist mnist = Mnist.download();
        MnistSplit train = mnist.tutorialTrain(PixelScaling.DIV_256);
        MnistSplit valid = mnist.tutorialValid(PixelScaling.DIV_256);
        return new TutorialData(
                Tensor.of(train.images(), train.count(), MnistSplit.PIXELS), Tensor.ofInts(train.labels(), train.count()),
                Tensor.of(valid.images(), valid.count(), MnistSplit.PIXELS), Tensor.ofInts(valid.labels(), valid.count()));
    }

    /** Number of training samples. */
    public int n() {
        return xTrain.size(0);
    }
}
