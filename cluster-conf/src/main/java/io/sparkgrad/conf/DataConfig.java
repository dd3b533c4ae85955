package io.sparkgrad.conf;

import java.io.Serializable;
import java.util.List;

/**
 * The training and evaluation data.
 *
 * @param train              {@value #MNIST} (MNIST from the download cache) or a Hadoop path (file, hdfs, s3a)
 * @param test               the same for the evaluation set; when left out it is {@value #MNIST} if {@code train}
 *                           is, and required otherwise
 * @param split              how training and validation sets are formed (without {@code validationFraction} and
 *                           {@code validationCol})
 * @param scaling            how pixel values (bytes) become floats
 * @param partitions         number of data partitions; 0 means one per worker
 * @param limit              at most this many records of each of the training, validation and test sets (the first
 *                           ones of each); 0 means all. For quick trials and tests.
 * @param format             how the files are read: {@code auto} (MNIST, by the path) or a Spark reader
 * @param featuresCol        the features column of Parquet data: a Spark ML vector, an array of floats or doubles, or
 *                           image bytes
 * @param labelCol           the label column (class indices 0..k-1) of Parquet and CSV data
 * @param shape              the shape of one sample ({@code [1, 28, 28]}); empty infers {@code [n]} from the features
 * @param validationFraction this fraction of the training data, drawn at random (seeded by {@code training.seed}),
 *                           validates; 0 uses {@code split}
 * @param validationCol      a boolean column of the training data marking the validation rows; empty uses
 *                           {@code validationFraction} or {@code split}
 */
public record DataConfig(
        String train,
        String test,
        Split split,
        Scaling scaling,
        @Range(min = 0, max = 65_536) int partitions,
        @Range(min = 0) int limit,
        DataFormat format,
        String featuresCol,
        String labelCol,
        List<Integer> shape,
        @Range(min = 0, max = 1, maxExclusive = true) double validationFraction,
        String validationCol) implements Serializable {

    /** The value of {@code train}/{@code test} that means MNIST from the download cache. */
    public static final String MNIST = "mnist";

    /** Copies the shape; a null one is empty. */
    public DataConfig {
        shape = shape == null ? List.of() : List.copyOf(shape);
    }

    /** Whether {@code path} names the built-in MNIST rather than a file path. */
    public static boolean isMnist(String path) {
        return MNIST.equals(path);
    }

    /** This configuration with {@code test} as the test set. */
    public DataConfig withTest(String test) {
        return new DataConfig(train, test, split, scaling, partitions, limit, format, featuresCol, labelCol, shape,
                validationFraction, validationCol);
    }

    /** Whether the data is read through a Spark reader as a DataFrame (Parquet, CSV, LibSVM), not as MNIST. */
    public boolean readsFrames() {
        return format == DataFormat.PARQUET || format == DataFormat.CSV || format == DataFormat.LIBSVM;
    }

    /** The configured sample shape, or null when it is to be inferred. */
    public int[] shapeArray() {
        return shape.isEmpty() ? null : shape.stream().mapToInt(Integer::intValue).toArray();
    }
}
