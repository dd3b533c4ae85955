package io.sparkgrad.trainer.data;

import io.sparkgrad.ingest.block.SampleBlock;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import scala.Tuple2;

/** Puts training data into the shape the transports need: exactly one {@link SampleBlock} per partition, cached. */
public final class Blocks {

    private Blocks() {
    }

    /**
     * The data as {@code workers} partitions holding one block each, persisted in memory. With as many partitions as
     * workers, each partition's blocks are concatenated in place. Otherwise the samples are redistributed
     * deterministically: all blocks in (partition, position) order form one sequence, which is cut into
     * {@code workers} consecutive ranges of nearly equal size (splitting blocks at the cuts), so the same input always
     * gives the same partitions in the same order, which a retried, resumed or repeated run relies on.
     *
     * @param featureShape the shape of one sample, for the empty blocks of empty partitions
     */
    public static JavaRDD<SampleBlock> onePerPartition(JavaRDD<SampleBlock> data, int workers, int[] featureShape) {
        if (workers <= 0) {
            throw new IllegalArgumentException("workers must be positive, got " + workers);
        }
        int[] shape = featureShape.clone();
        JavaRDD<SampleBlock> merged;
        if (data.getNumPartitions() == workers) {
            merged = data.mapPartitionsWithIndex((p, it) -> List.of(merge(p, it, shape)).iterator(), true);
        } else {
            merged = redistribute(data, workers, shape);
        }
        return merged.persist(StorageLevel.MEMORY_ONLY());
    }

    private static JavaRDD<SampleBlock> redistribute(JavaRDD<SampleBlock> data, int workers, int[] shape) {
        if (data.getNumPartitions() >= (1 << 24) || workers >= (1 << 15)) {
            throw new IllegalArgumentException("too many partitions (" + data.getNumPartitions() + ") or workers (" + workers
                    + ") to redistribute blocks");
        }
        // Sizes of every block by (partition, position): one small job.
        List<long[]> sizes = data.mapPartitionsWithIndex((p, it) -> {
            List<long[]> out = new ArrayList<>();
            int i = 0;
            while (it.hasNext()) {
                out.add(new long[] {p, i++, it.next().size()});
            }
            return out.iterator();
        }, true).collect();
        long total = 0;
        Map<Long, Long> startOf = new HashMap<>();
        for (long[] s : sizes) {
            if (s[1] >= (1 << 24)) {
                throw new IllegalArgumentException("partition " + s[0] + " holds more than 2^24 blocks");
            }
            startOf.put((s[0] << 24) | s[1], total);
            total += s[2];
        }
        long n = total;
        JavaPairRDD<Long, SampleBlock> pieces = data.mapPartitionsWithIndex((p, it) -> {
            List<Tuple2<Long, SampleBlock>> out = new ArrayList<>();
            int i = 0;
            while (it.hasNext()) {
                SampleBlock b = it.next();
                long blockKey = ((long) p << 24) | i++;
                long start = startOf.get(blockKey);
                int from = 0;
                while (from < b.size()) {
                    int target = (int) ((start + from) * workers / n);
                    long targetEnd = ((long) (target + 1) * n + workers - 1) / workers;
                    int to = (int) Math.min(b.size(), targetEnd - start);
                    out.add(new Tuple2<>(((long) target << 48) | blockKey, slice(b, from, to)));
                    from = to;
                }
            }
            return out.iterator();
        }, true).mapToPair(t -> t);
        return pieces.repartitionAndSortWithinPartitions(new TargetPartitioner(workers))
                .mapPartitionsWithIndex((p, it) -> {
                    List<SampleBlock> parts = new ArrayList<>();
                    it.forEachRemaining(t -> parts.add(t._2()));
                    return List.of(merge(p, parts.iterator(), shape)).iterator();
                }, true);
    }

    /** Routes a piece to the worker encoded in the top bits of its key. */
    private static final class TargetPartitioner extends Partitioner {
        private static final long serialVersionUID = 1L;
        private final int workers;

        TargetPartitioner(int workers) {
            this.workers = workers;
        }

        @Override
        public int numPartitions() {
            return workers;
        }

        @Override
        public int getPartition(Object key) {
            return (int) (((Long) key) >>> 48);
        }
    }

    private static SampleBlock slice(SampleBlock b, int from, int to) {
        if (from == 0 && to == b.size()) {
            return b;
        }
        int per = b.featureSize();
        return new SampleBlock(b.partition(), Arrays.copyOfRange(b.features(), from * per, to * per),
                Arrays.copyOfRange(b.labels(), from, to), b.featureShape());
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

    /** Samples per partition whose content {@link #sampleHash} hashes. */
    static final int HASHED_PER_PARTITION = 64;

    /**
     * A content hash (hex SHA-256) of a sample of the records: up to {@value #HASHED_PER_PARTITION} evenly spaced
     * samples (features and label) of each partition, in partition order, with each partition's size. Two data sets
     * that differ in order, partitioning or content almost surely hash differently; runs one small job.
     */
    public static String sampleHash(JavaRDD<SampleBlock> blocks) {
        return census(blocks).sampleHash();
    }

    /**
     * What a run needs to know of its blocks before it starts, from one small job.
     *
     * @param sizes      samples per partition, in partition order
     * @param sampleHash the {@link #sampleHash} of the blocks
     */
    public record Census(int[] sizes, String sampleHash) {
    }

    /** {@link #sizes} and {@link #sampleHash} of {@code blocks} in one job (a persisted RDD is then read once). */
    public static Census census(JavaRDD<SampleBlock> blocks) {
        // Task results travel as long[] {partition, samples, 4 longs of digest}: a type the Kryo registrator already knows.
        List<long[]> parts = blocks.mapPartitionsWithIndex((p, it) -> {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(8);
            long samples = 0;
            while (it.hasNext()) {
                SampleBlock b = it.next();
                int n = b.size();
                samples += n;
                int per = b.featureSize();
                md.update(buf.clear().putInt(n).putInt(per).array());
                int take = Math.min(n, HASHED_PER_PARTITION);
                for (int k = 0; k < take; k++) {
                    int i = (int) ((long) k * n / take);
                    md.update(buf.clear().putInt(i).putInt(b.labels()[i]).array());
                    ByteBuffer x = ByteBuffer.allocate(per * 4);
                    x.asFloatBuffer().put(b.features(), i * per, per);
                    md.update(x.array());
                }
            }
            ByteBuffer d = ByteBuffer.wrap(md.digest());
            return List.of(new long[] {p, samples, d.getLong(), d.getLong(), d.getLong(), d.getLong()}).iterator();
        }, true).collect();
        int[] sizes = new int[parts.size()];
        try {
            MessageDigest all = MessageDigest.getInstance("SHA-256");
            ByteBuffer b = ByteBuffer.allocate(32);
            List<long[]> ordered = parts.stream().sorted((x, y) -> Long.compare(x[0], y[0])).toList();
            for (long[] t : ordered) {
                sizes[(int) t[0]] = Math.toIntExact(t[1]);
                all.update(b.clear().putLong(t[2]).putLong(t[3]).putLong(t[4]).putLong(t[5]).array());
            }
            return new Census(sizes, HexFormat.of().formatHex(all.digest()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
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
        if (parts.size() == 1) {
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
