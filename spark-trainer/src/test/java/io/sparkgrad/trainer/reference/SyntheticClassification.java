package io.sparkgrad.trainer.reference;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.trainer.plan.Seeds;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A deterministic, learnable classification data set for tests and benchmarks: every class has a random prototype
 * in {@code [0, 1)^features}, and sample i (a global index) is its class's prototype blended with uniform noise,
 * its class drawn from i. A sample depends only on (seed, i), so the same samples can be generated inside Spark
 * partitions (no driver-side list is shipped) and in a single process.
 */
public final class SyntheticClassification {

    private final int features;
    private final int[] sampleShape;
    private final int classes;
    private final long seed;
    private final float[] prototypes;

    /**
     * @param features floats per sample (784 for MNIST-sized samples)
     * @param classes  number of classes
     * @param seed     data seed
     */
    public SyntheticClassification(int features, int classes, long seed) {
        this(new int[] {features}, classes, seed);
    }

    /**
     * Samples of the given shape (e.g. {@code [1, 28, 28]} for a convolutional model): the same values as a flat data
     * set of {@code product(sampleShape)} features, only the blocks' sample shape differs.
     *
     * @param sampleShape the shape of one sample
     * @param classes     number of classes
     * @param seed        data seed
     */
    public SyntheticClassification(int[] sampleShape, int classes, long seed) {
        int features = 1;
        for (int d : sampleShape) {
            if (d <= 0) {
                throw new IllegalArgumentException("sample shape " + java.util.Arrays.toString(sampleShape) + " has a non-positive dimension");
            }
            features *= d;
        }
        if (sampleShape.length == 0 || classes <= 1) {
            throw new IllegalArgumentException("need a sample shape and classes > 1, got " + java.util.Arrays.toString(sampleShape)
                    + " and " + classes);
        }
        this.features = features;
        this.sampleShape = sampleShape.clone();
        this.classes = classes;
        this.seed = seed;
        this.prototypes = new float[classes * features];
        SplittableRandom r = new SplittableRandom(Seeds.derive(seed, 1));
        for (int i = 0; i < prototypes.length; i++) {
            prototypes[i] = (float) r.nextDouble();
        }
    }

    /** Samples {@code first .. first + n - 1} as one block labelled with {@code partition}. */
    public SampleBlock block(int partition, long first, int n) {
        float[] x = new float[n * features];
        int[] y = new int[n];
        for (int s = 0; s < n; s++) {
            SplittableRandom r = new SplittableRandom(Seeds.derive(seed, 2, first + s));
            int label = r.nextInt(classes);
            y[s] = label;
            int base = s * features;
            int proto = label * features;
            for (int k = 0; k < features; k++) {
                x[base + k] = 0.6f * prototypes[proto + k] + 0.4f * (float) r.nextDouble();
            }
        }
        return new SampleBlock(partition, x, y, sampleShape.clone());
    }

    /** The data split into consecutive partitions of the given sizes, generated locally (for single-process references). */
    public List<SampleBlock> localBlocks(int[] sizes, long firstIndex) {
        List<SampleBlock> out = new ArrayList<>();
        long at = firstIndex;
        for (int p = 0; p < sizes.length; p++) {
            out.add(block(p, at, sizes[p]));
            at += sizes[p];
        }
        return out;
    }

    /**
     * The same data as an RDD with one block per partition, generated inside the partitions and cached.
     *
     * @param firstIndex global index of the first sample (use disjoint ranges for training and validation)
     */
    public JavaRDD<SampleBlock> rdd(JavaSparkContext sc, int[] sizes, long firstIndex) {
        List<long[]> ranges = new ArrayList<>();
        long at = firstIndex;
        for (int p = 0; p < sizes.length; p++) {
            ranges.add(new long[] {p, at, sizes[p]});
            at += sizes[p];
        }
        int[] shape = sampleShape.clone();
        int c = classes;
        long s = seed;
        return sc.parallelize(ranges, sizes.length)
                .map(r -> new SyntheticClassification(shape, c, s).block((int) r[0], r[1], (int) r[2]))
                .persist(StorageLevel.MEMORY_ONLY());
    }
}
