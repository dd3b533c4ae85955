package io.sparkgrad.ingest.convert;

/** The storage formats the converter moves labelled images between. */
public enum Format {
    /** A pair of MNIST-layout IDX files (images and labels), raw or gzip. */
    IDX,
    /** CSV, {@code label,pixel0,...,pixelN-1}, with or without a header line. */
    CSV,
    /** Parquet with columns {@code label} (int) and {@code image} (binary). */
    PARQUET
}
