package io.sparkgrad.ingest.block;

import java.io.Serializable;
import java.util.Arrays;

/**
 * One partition's samples in compact form: all features in one contiguous float array (sample-major)
 * and all labels in one int array, so a trainer can cache a partition and slice minibatches out of it
 * without a per-sample object.
 *
 * <p>Shape: {@code features.length == size() * featureSize()}, where {@code featureSize()} is the product
 * of {@code featureShape} (for MNIST {@code [1, 28, 28]}, so 784 floats per sample).
 *
 * @param partition    the Spark partition (or shard) index this block came from
 * @param features     sample-major features, {@code size() * featureSize()} floats
 * @param labels       one class label per sample
 * @param featureShape the shape of one sample, e.g. {@code [1, 28, 28]}
 */
public record SampleBlock(int partition, float[] features, int[] labels, int[] featureShape) implements Serializable {

    public SampleBlock {
        int per = 1;
        for (int d : featureShape) {
            if (d <= 0) {
                throw new IllegalArgumentException("feature shape " + Arrays.toString(featureShape) + " has a non-positive dimension");
            }
            per *= d;
        }
        if ((long) labels.length * per != features.length) {
            throw new IllegalArgumentException("block of partition " + partition + ": " + labels.length + " labels need "
                    + (long) labels.length * per + " feature values of shape " + Arrays.toString(featureShape)
                    + ", but there are " + features.length);
        }
    }

    /** Number of samples in the block. */
    public int size() {
        return labels.length;
    }

    /** Number of floats per sample (the product of {@link #featureShape()}). */
    public int featureSize() {
        int per = 1;
        for (int d : featureShape) {
            per *= d;
        }
        return per;
    }

    /**
     * Copies the samples at {@code indices} (positions within this block) into {@code xOut} (sample-major,
     * starting at 0) and their labels into {@code yOut}.
     */
    public void copyBatch(int[] indices, int from, int count, float[] xOut, int[] yOut) {
        int per = featureSize();
        for (int i = 0; i < count; i++) {
            int s = indices[from + i];
            System.arraycopy(features, s * per, xOut, i * per, per);
            yOut[i] = labels[s];
        }
    }
}
