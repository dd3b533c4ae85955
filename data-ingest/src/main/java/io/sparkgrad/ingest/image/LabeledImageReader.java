package io.sparkgrad.ingest.image;

import java.io.Closeable;
import java.io.IOException;

/**
 * A stream of labelled greyscale images in their raw form: one unsigned byte (0-255) per pixel, row-major,
 * and one int label per image. IDX pairs, CSV and Parquet files all read through this, so a converter moves
 * records between any two formats a chunk at a time, without a per-image object.
 */
public interface LabeledImageReader extends Closeable {

    /** Image height in pixels. */
    int rows();

    /** Image width in pixels. */
    int cols();

    /** Pixels per image ({@code rows() * cols()}). */
    default int pixels() {
        return rows() * cols();
    }

    /** Total number of images (for some formats this costs a pass over the input the first time). */
    long count() throws IOException;

    /**
     * Reads up to {@code max} images: their pixels into {@code pixels} from 0 ({@code pixels()} bytes each) and
     * their labels into {@code labels} from 0.
     *
     * @return how many were read; 0 at the end
     */
    int read(byte[] pixels, int[] labels, int max) throws IOException;

    /** The input, for messages. */
    String source();
}
