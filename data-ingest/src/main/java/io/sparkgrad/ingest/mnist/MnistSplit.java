package io.sparkgrad.ingest.mnist;

import io.sparkgrad.ingest.block.SampleBlock;

/**
 * Images and labels of one MNIST part, as plain arrays for local use: {@code count} images of 28x28 floats,
 * sample-major and row-major ({@code images[i * 784 + r * 28 + c]}), scaled as asked, and their labels 0-9.
 *
 * <p>Shape: images {@code [count, 1, 28, 28]} (the layout of PyTorch's MNIST tensors), labels {@code [count]}.
 *
 * @param images {@code count * 784} floats
 * @param labels {@code count} labels, 0-9
 * @param count  number of images
 */
public record MnistSplit(float[] images, int[] labels, int count) {

    /** Image height. */
    public static final int ROWS = 28;
    /** Image width. */
    public static final int COLS = 28;
    /** Pixels per image. */
    public static final int PIXELS = ROWS * COLS;

    public MnistSplit {
        if (labels.length != count || images.length != (long) count * PIXELS) {
            throw new IllegalArgumentException("an MNIST split of " + count + " images needs " + (long) count * PIXELS
                    + " pixel values and " + count + " labels, not " + images.length + " and " + labels.length);
        }
    }

    /** The shape of one sample, {@code [1, 28, 28]}. */
    public static int[] sampleShape() {
        return new int[] {1, ROWS, COLS};
    }

    /** The same arrays (not copied) as a {@link SampleBlock} of shape {@code [1, 28, 28]}. */
    public SampleBlock toBlock(int partition) {
        return new SampleBlock(partition, images, labels, sampleShape());
    }
}
