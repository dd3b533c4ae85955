package io.sparkgrad.ingest.image;

import java.io.IOException;

/**
 * The image shape every {@link LabeledImageReader} holds, fixed when it opens: one place for it, so the IDX, CSV
 * and Parquet readers differ only in how they find and read their records.
 */
public abstract class AbstractLabeledImageReader implements LabeledImageReader {

    private final int rows;
    private final int cols;
    private long counted = -1;

    /** A reader of {@code rows x cols} images. */
    protected AbstractLabeledImageReader(int rows, int cols) {
        this.rows = rows;
        this.cols = cols;
    }

    @Override
    public final int rows() {
        return rows;
    }

    @Override
    public final int cols() {
        return cols;
    }

    /** Counts all images of the input. */
    protected interface Counter {
        long count() throws IOException;
    }

    /** {@code counter}'s count, taken the first time only: for inputs where counting costs a pass or a read of footers. */
    protected final long countOnce(Counter counter) throws IOException {
        if (counted < 0) {
            counted = counter.count();
        }
        return counted;
    }
}
