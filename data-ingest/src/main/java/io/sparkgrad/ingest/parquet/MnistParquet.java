package io.sparkgrad.ingest.parquet;

import java.util.Map;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * The Parquet layout of labelled images, shared with Spark's DataFrame layout (see
 * {@code io.sparkgrad.ingest.spark.MnistFrames}): column {@code label} (int32, 0-9) and column {@code image}
 * (binary, {@code rows * cols} unsigned bytes, row-major). Files written here also carry the image shape in
 * their key-value metadata; files without it (written by Spark) are read as 28x28 unless told otherwise.
 */
public final class MnistParquet {

    /** Name of the label column. */
    public static final String LABEL = "label";
    /** Name of the image column. */
    public static final String IMAGE = "image";
    /** Metadata key for the image height. */
    public static final String ROWS_KEY = "sparkgrad.image.rows";
    /** Metadata key for the image width. */
    public static final String COLS_KEY = "sparkgrad.image.cols";

    private MnistParquet() {
    }

    /** {@code message mnist { required int32 label; required binary image; }} */
    public static MessageType schema() {
        return Types.buildMessage()
                .required(PrimitiveTypeName.INT32).named(LABEL)
                .required(PrimitiveTypeName.BINARY).named(IMAGE)
                .named("mnist");
    }

    /** The key-value metadata recording an image shape. */
    public static Map<String, String> shapeMetadata(int rows, int cols) {
        return Map.of(ROWS_KEY, Integer.toString(rows), COLS_KEY, Integer.toString(cols));
    }
}
