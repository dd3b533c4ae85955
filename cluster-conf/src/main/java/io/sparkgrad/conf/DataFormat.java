package io.sparkgrad.conf;

/** How the job reads {@code data.train} and {@code data.test}. */
public enum DataFormat implements ConfigEnum {
    /**
     * By the path, as MNIST: {@code mnist} (the download cache), a folder of MNIST IDX files or an IDX image file, a
     * Parquet file of MNIST images ({@code image} bytes and {@code label}), or a CSV file of {@code label} and 784
     * pixels.
     */
    AUTO,
    /** IDX files (MNIST's format): a folder with MNIST's file names, or an image file with its label file beside it. */
    IDX,
    /** Parquet with a features column ({@code data.featuresCol}) and a numeric label column ({@code data.labelCol}). */
    PARQUET,
    /** CSV with a header line: the label column ({@code data.labelCol}) and every other column a feature. */
    CSV,
    /** LibSVM text ({@code label index:value ...}), as Spark's {@code libsvm} reader reads it. */
    LIBSVM
}
