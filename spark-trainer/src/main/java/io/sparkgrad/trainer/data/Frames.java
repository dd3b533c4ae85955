package io.sparkgrad.trainer.data;

import io.sparkgrad.ingest.BadInputException;
import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.ingest.mnist.PixelScaling;
import io.sparkgrad.ingest.spark.MnistFrames;
import io.sparkgrad.ingest.spark.SampleBlocks;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.Objects;

/**
 * DataFrames from data-ingest as the trainer's blocks. A frame in either {@link MnistFrames} layout
 * ({@code label INT, image BINARY} of raw pixel bytes, or {@code label INT, image ARRAY<FLOAT>} of scaled pixels)
 * becomes one {@link SampleBlock} of shape {@code [1, 28, 28]} per partition through
 * {@link SampleBlocks#fromFrame(Dataset, PixelScaling)}, lazily: nothing runs until the trainer uses the blocks.
 */
public final class Frames {

    private Frames() {
    }

    /**
     * The frame's samples as blocks, one per partition of the frame.
     *
     * @param frame   an MNIST frame ({@link MnistFrames#BYTES_SCHEMA} or {@link MnistFrames#FLOATS_SCHEMA})
     * @param scaling how raw pixel bytes become floats (ignored for a frame of floats, which were scaled when it was made)
     * @param what    what the frame is for, e.g. {@code "training data"}, for the error message
     * @throws IllegalArgumentException when the frame has neither layout; the message names {@code what} and the schema
     */
    public static JavaRDD<SampleBlock> toBlocks(Dataset<Row> frame, PixelScaling scaling, String what) {
        Objects.requireNonNull(frame, what);
        Objects.requireNonNull(scaling, what + " pixel scaling");
        try {
            return SampleBlocks.fromFrame(frame, scaling);
        } catch (BadInputException e) {
            throw new IllegalArgumentException("the " + what + " frame cannot be trained on: " + e.getMessage()
                    + " (make it with data-ingest's MnistFrames)", e);
        }
    }
}
