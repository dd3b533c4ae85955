package io.sparkgrad.trainer;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.trainer.plan.BatchPlan;
import io.sparkgrad.trainer.plan.EpochOrder;

import java.util.List;

/**
 * Training without Spark, the way one process would do it: every step's global batch (the union of the samples
 * the workers would take) goes through ONE gradient computation, then the mean gradient through the optimizer.
 */
public final class SingleProcessReference {

    private SingleProcessReference() {
    }

    /** Concatenates blocks into one, remembering where each partition starts. */
    static SampleBlock concat(List<SampleBlock> blocks, int[] starts) {
        int per = blocks.get(0).featureSize();
        int n = 0;
        for (SampleBlock b : blocks) {
            n += b.size();
        }
        float[] x = new float[n * per];
        int[] y = new int[n];
        int at = 0;
        for (int p = 0; p < blocks.size(); p++) {
            SampleBlock b = blocks.get(p);
            starts[p] = at;
            System.arraycopy(b.features(), 0, x, at * per, b.size() * per);
            System.arraycopy(b.labels(), 0, y, at, b.size());
            at += b.size();
        }
        return new SampleBlock(0, x, y, blocks.get(0).featureShape());
    }

    /** Final parameters after {@code epochs} epochs on the same global batches the distributed run uses by default. */
    public static float[] train(ReplicaFactory factory, int threads, DriverOptimizer optimizer, List<SampleBlock> partitions,
                                int globalBatch, int epochs, long seed) {
        return train(factory, threads, optimizer, partitions, globalBatch, false, epochs, seed);
    }

    /** As above, dropping each epoch's last partial batch or not, like {@code DistributedTrainer.Builder.dropLast}. */
    public static float[] train(ReplicaFactory factory, int threads, DriverOptimizer optimizer, List<SampleBlock> partitions,
                                int globalBatch, boolean dropLast, int epochs, long seed) {
        int[] sizes = partitions.stream().mapToInt(SampleBlock::size).toArray();
        BatchPlan plan = BatchPlan.of(sizes, globalBatch, dropLast);
        int[] starts = new int[sizes.length];
        SampleBlock all = concat(partitions, starts);
        try (ReplicaModel model = factory.create(threads)) {
            float[] params = model.getParameters();
            int[] batch = new int[globalBatch];
            for (int e = 0; e < epochs; e++) {
                int[][] orders = new int[sizes.length][];
                for (int p = 0; p < sizes.length; p++) {
                    orders[p] = EpochOrder.permutation(sizes[p], seed, e, p);
                }
                for (int s = 0; s < plan.steps(); s++) {
                    int n = plan.samples(s);
                    int k = 0;
                    for (int p = 0; p < sizes.length; p++) {
                        int off = plan.offset(s, p);
                        for (int i = 0; i < plan.count(s, p); i++) {
                            batch[k++] = starts[p] + orders[p][off + i];
                        }
                    }
                    float[] grad = new float[params.length];
                    model.setParameters(params);
                    model.train(true);
                    model.computeGradient(all, batch, 0, n, grad);
                    for (int i = 0; i < grad.length; i++) {
                        grad[i] /= n;
                    }
                    optimizer.step(params, grad);
                }
            }
            return params;
        }
    }

    /** Loss sum, correct and count of {@code params} over the blocks, in one process. */
    public static StepStats evaluate(ReplicaFactory factory, float[] params, List<SampleBlock> blocks) {
        try (ReplicaModel model = factory.create(1)) {
            model.setParameters(params);
            model.train(false);
            StepStats total = StepStats.ZERO;
            for (SampleBlock b : blocks) {
                total = total.plus(model.evaluate(b, 0, b.size()));
            }
            return total;
        }
    }

    /**
     * The relative difference of two parameter vectors, {@code max_i |a_i - b_i| / max_i |b_i|}: the largest
     * deviation measured against the scale of the parameters, so a parameter that happens to sit near zero does not
     * turn float rounding into a large ratio.
     */
    public static double maxRelativeDifference(float[] a, float[] b) {
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
            scale = Math.max(scale, Math.abs(b[i]));
        }
        return diff / scale;
    }

    /** Index of the first element where {@code |a - b| > atol + rtol |b|} (torch.allclose's rule), or -1. */
    public static int firstNotClose(float[] a, float[] b, double rtol, double atol) {
        for (int i = 0; i < a.length; i++) {
            if (!(Math.abs(a[i] - b[i]) <= atol + rtol * Math.abs(b[i]))) {
                return i;
            }
        }
        return -1;
    }
}
