package io.sparkgrad.ingest.image;

import java.io.Closeable;
import java.io.IOException;

/**
 * The writing side of {@link LabeledImageReader}: raw pixels (one unsigned byte each, row-major) and labels, a
 * chunk at a time. {@link #close()} finishes the output; {@link #abort()} removes what was written so far.
 */
public interface LabeledImageWriter extends Closeable {

    /** Writes {@code count} images: {@code count * pixels} bytes of {@code pixels} from 0, and their labels. */
    void write(byte[] pixels, int[] labels, int count) throws IOException;

    /** Gives up and deletes the partial output. */
    void abort() throws IOException;
}
