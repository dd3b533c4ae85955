package io.sparkgrad.trainer.data;

import io.sparkgrad.ingest.block.SampleBlock;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/** Puts training data into the shape the transports need: exactly one {@link SampleBlock} per partition, cached. */
public final class Blocks {

    private Blocks() {
    }

    /**
     * The data as {@code workers} partitions holding one block each (partitions with several blocks are merged,
     * empty ones get an empty block), persisted in memory. Returns the input itself when it already has that shape
     * and is persisted; the caller learns the shape from {@link #sizes}.
     *
     * @param featureShape the shape of one sample, for the empty blocks of empty partitions
     */
    public static JavaRDD<SampleBlock> onePerPartition(JavaRDD<SampleBlock> data, int workers, int[] featureShape) {
        if (workers <= 0) {
            throw new IllegalArgumentException("workers must be positive, got " + workers);
        }
        JavaRDD<SampleBlock> shaped = data.getNumPartitions() == workers ? data : data.repartition(workers);
        int[] shape = featureShape.clone();
        JavaRDD<SampleBlock> merged = shaped.mapPartitionsWithIndex((p, it) -> List.of(merge(p, it, shape)).iterator(), true);
        return merged.persist(StorageLevel.MEMORY_ONLY());
    }

    /** Samples per partition, in partition order (runs one small job). */
    public static int[] sizes(JavaRDD<SampleBlock> blocks) {
        List<int[]> sizes = blocks.mapPartitionsWithIndex((p, it) -> {
            int n = 0;
            while (it.hasNext()) {
                n += it.next().size();
            }
            return List.of(new int[] {p, n}).iterator();
        }, true).collect();
        int[] out = new int[sizes.size()];
        for (int[] s : sizes) {
            out[s[0]] = s[1];
        }
        return out;
    }

    /** The feature shape of the first non-empty block, or null for data without samples. */
    public static int[] featureShape(JavaRDD<SampleBlock> data) {
        List<int[]> shapes = data.filter(b -> b.size() > 0).map(SampleBlock::featureShape).take(1);
        return shapes.isEmpty() ? null : shapes.get(0);
    }

    /** Concatenates the blocks of one partition into one block (the only block is returned as it is). */
    public static SampleBlock merge(int partition, Iterator<SampleBlock> it, int[] featureShape) {
        List<SampleBlock> parts = new ArrayList<>();
        while (it.hasNext()) {
            SampleBlock b = it.next();
            if (b.size() > 0 && !Arrays.equals(b.featureShape(), featureShape)) {
                throw new IllegalArgumentException("partition " + partition + " holds a block with samples of shape "
                        + Arrays.toString(b.featureShape()) + " but the data's samples have shape " + Arrays.toString(featureShape));
            }
            parts.add(b);
        }
        if (parts.size() == 1 && parts.get(0).partition() == partition) {
            return parts.get(0);
        }
        int per = 1;
        for (int d : featureShape) {
            per *= d;
        }
        long n = 0;
        for (SampleBlock b : parts) {
            n += b.size();
        }
        if (n * per > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("partition " + partition + " has " + n + " samples of " + per
                    + " floats, too many for one block: use more workers");
        }
        float[] x = new float[(int) (n * per)];
        int[] y = new int[(int) n];
        int at = 0;
        for (SampleBlock b : parts) {
            System.arraycopy(b.features(), 0, x, at * per, b.size() * per);
            System.arraycopy(b.labels(), 0, y, at, b.size());
            at += b.size();
        }
        return new SampleBlock(partition, x, y, featureShape.clone());
    }

    /** The one block of a partition as the transports see it. */
    public static SampleBlock single(Iterator<SampleBlock> it, int partition) {
        if (!it.hasNext()) {
            throw new IllegalStateException("partition " + partition + " holds no SampleBlock: the trainer's data must hold one per partition");
        }
        SampleBlock b = it.next();
        if (it.hasNext()) {
            throw new IllegalStateException("partition " + partition + " holds more than one SampleBlock: the trainer's data must hold one per partition");
        }
        return b;
    }
}
