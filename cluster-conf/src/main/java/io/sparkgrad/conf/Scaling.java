package io.sparkgrad.conf;

/** How raw 0..255 pixel values become floats. */
public enum Scaling implements ConfigEnum {
    /** {@code x / 255}: values in [0, 1]. */
    DIV255,
    /** {@code x / 256}: values in [0, 1), the scaling of the tutorial's pickled MNIST. */
    DIV256,
    /** {@code (x / 255 - 0.1307) / 0.3081}: the usual MNIST mean and standard deviation. */
    NORMALIZE
}
