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

    /**
     * Collects a partition's samples one at a time, for a block whose size is known only at the end (rows streamed
     * from a frame): the arrays double as they fill, and {@link #build()} trims them. For each sample, {@link #next()}
     * gives where its features go in {@link #features()}, then {@link #add(int)} appends its label.
     */
    public static final class Builder {
        private final int partition;
        private final int[] featureShape;
        private final int per;
        private float[] x;
        private int[] y;
        private int n;

        /** A builder for samples of {@code featureShape}, with room for {@code capacity} before it first grows. */
        public Builder(int partition, int[] featureShape, int capacity) {
            this.partition = partition;
            this.featureShape = featureShape.clone();
            int p = 1;
            for (int d : featureShape) {
                p *= d;
            }
            this.per = p;
            this.x = new float[Math.max(1, capacity) * per];
            this.y = new int[Math.max(1, capacity)];
        }

        /** Samples added so far. */
        public int size() {
            return n;
        }

        /** Makes room for the next sample; returns the offset in {@link #features()} where its floats go. */
        public int next() {
            if (n == y.length) {
                y = Arrays.copyOf(y, y.length * 2);
                x = Arrays.copyOf(x, y.length * per);
            }
            return n * per;
        }

        /** The features array, valid until the next {@link #next()}. */
        public float[] features() {
            return x;
        }

        /** Completes the sample whose features were written at {@link #next()}'s offset. */
        public void add(int label) {
            y[n++] = label;
        }

        /** The block of the samples added. */
        public SampleBlock build() {
            return new SampleBlock(partition, Arrays.copyOf(x, n * per), Arrays.copyOf(y, n), featureShape.clone());
        }
    }
}
