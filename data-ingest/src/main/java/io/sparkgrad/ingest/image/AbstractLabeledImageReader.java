package io.sparkgrad.ingest.image;

/**
 * The image shape every {@link LabeledImageReader} holds, fixed when it opens: one place for it, so the IDX, CSV
 * and Parquet readers differ only in how they find and read their records.
 */
public abstract class AbstractLabeledImageReader implements LabeledImageReader {

    private final int rows;
    private final int cols;

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
}
