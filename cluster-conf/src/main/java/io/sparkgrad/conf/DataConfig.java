package io.sparkgrad.conf;

import java.io.Serializable;

/**
 * The training and evaluation data.
 *
 * @param train      {@value #MNIST} (MNIST from the download cache) or a Hadoop path (file, hdfs, s3a)
 * @param test       the same for the evaluation set; when left out it is {@value #MNIST} if {@code train}
 *                   is, and required with {@code split: official} otherwise
 * @param split      how training and validation sets are formed
 * @param scaling    how pixel values become floats
 * @param partitions number of data partitions; 0 means one per worker
 * @param limit      at most this many records of each of the training, validation and test sets (the first
 *                   ones of each); 0 means all. For quick trials and tests.
 */
public record DataConfig(
        String train,
        String test,
        Split split,
        Scaling scaling,
        @Range(min = 0, max = 65_536) int partitions,
        @Range(min = 0) int limit) implements Serializable {

    /** The value of {@code train}/{@code test} that means MNIST from the download cache. */
    public static final String MNIST = "mnist";

    /** Whether {@code path} names the built-in MNIST rather than a file path. */
    public static boolean isMnist(String path) {
        return MNIST.equals(path);
    }
}
