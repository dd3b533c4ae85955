package io.sparkgrad.trainer.engine;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.nn.F;
import io.sparkgrad.nn.Module;
import io.sparkgrad.nn.Parameter;
import io.sparkgrad.optim.Adam;
import io.sparkgrad.optim.Optimizer;
import io.sparkgrad.optim.SGD;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import io.sparkgrad.trainer.plan.BatchPlan;
import io.sparkgrad.trainer.plan.EpochOrder;

import java.util.Arrays;
import java.util.List;

/**
 * Training and evaluation the way a user of core-tensor alone writes them, with none of the trainer's replica or
 * driver code: a {@link Module}, {@link SGD} or {@link Adam} over {@code module.parameters()}, and the MEAN
 * cross-entropy of each global batch, {@code zeroGrad, forward, backward, step}. The only thing borrowed from the
 * trainer is which samples form each global batch ({@link BatchPlan}, {@link EpochOrder}), so that both sides see the
 * same batches.
 */
final class PlainEngine {

    private PlainEngine() {
    }

    /** The optimizers the equivalence is checked for, with the hyperparameters both sides use. */
    enum Opt {
        SGD_MOMENTUM {
            @Override
            Optimizer build(List<Parameter> params) {
                return new SGD(params, 0.1, 0.9, 0, 0, false);
            }

            @Override
            io.sparkgrad.trainer.optim.EngineOptimizer driver() {
                return io.sparkgrad.trainer.optim.EngineOptimizer.sgdMomentum(0.1, 0.9);
            }
        },
        ADAM {
            @Override
            Optimizer build(List<Parameter> params) {
                return new Adam(params, 1e-3, 0.9, 0.999, 1e-8, 0);
            }

            @Override
            io.sparkgrad.trainer.optim.EngineOptimizer driver() {
                return io.sparkgrad.trainer.optim.EngineOptimizer.adam(1e-3);
            }
        };

        abstract Optimizer build(List<Parameter> params);

        abstract io.sparkgrad.trainer.optim.EngineOptimizer driver();
    }

    /** A fresh model of {@code spec} initialised from {@code initSeed}, as {@link ModuleReplica#factory} builds it. */
    static Module model(MnistModels spec, long initSeed) {
        return spec.build(new Generator(initSeed), new Generator(initSeed));
    }

    /** The module's parameter values, concatenated in {@code namedParameters()} order. */
    static float[] flatten(Module m) {
        int n = 0;
        for (Parameter p : m.namedParameters().values()) {
            n += p.numel();
        }
        float[] out = new float[n];
        int at = 0;
        for (Parameter p : m.namedParameters().values()) {
            float[] v = p.toFloatArray();
            System.arraycopy(v, 0, out, at, v.length);
            at += v.length;
        }
        return out;
    }

    /**
     * Trains {@code m} in place for {@code epochs} epochs over the global batches the trainer's plan makes of
     * {@code partitions} (partition p's samples in the order {@code EpochOrder.permutation(size, seed, epoch, p)}),
     * the last partial batch kept as the trainer does by default.
     */
    static void train(Module m, Opt opt, List<SampleBlock> partitions, int globalBatch, int epochs, long seed) {
        int[] sizes = partitions.stream().mapToInt(SampleBlock::size).toArray();
        BatchPlan plan = BatchPlan.of(sizes, globalBatch, false);
        int per = partitions.get(0).featureSize();
        int[] sampleShape = partitions.get(0).featureShape();
        int[] shape = new int[sampleShape.length + 1];
        System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
        Optimizer optimizer = opt.build(m.parameters());
        m.train(true);
        for (int e = 0; e < epochs; e++) {
            int[][] orders = new int[sizes.length][];
            for (int p = 0; p < sizes.length; p++) {
                orders[p] = EpochOrder.permutation(sizes[p], seed, e, p);
            }
            for (int s = 0; s < plan.steps(); s++) {
                int n = plan.samples(s);
                shape[0] = n;
                float[] x = new float[n * per];
                int[] y = new int[n];
                int k = 0;
                for (int p = 0; p < sizes.length; p++) {
                    SampleBlock b = partitions.get(p);
                    for (int i = 0; i < plan.count(s, p); i++) {
                        int sample = orders[p][plan.offset(s, p) + i];
                        System.arraycopy(b.features(), sample * per, x, k * per, per);
                        y[k++] = b.labels()[sample];
                    }
                }
                optimizer.zeroGrad();
                Tensor loss = F.crossEntropy(m.forward(Tensor.of(x, shape)), Tensor.ofInts(y, n));
                loss.backward();
                optimizer.step();
            }
        }
    }

    /** Mean cross-entropy and accuracy of {@code m} over the blocks, in evaluation mode, {@code chunk} samples at a time. */
    static double[] evaluate(Module m, List<SampleBlock> blocks, int chunk) {
        m.train(false);
        double lossSum = 0;
        long correct = 0;
        long count = 0;
        try (var noGrad = Tensor.noGrad()) {
            for (SampleBlock b : blocks) {
                int per = b.featureSize();
                for (int from = 0; from < b.size(); from += chunk) {
                    int n = Math.min(chunk, b.size() - from);
                    int[] shape = new int[b.featureShape().length + 1];
                    shape[0] = n;
                    System.arraycopy(b.featureShape(), 0, shape, 1, b.featureShape().length);
                    Tensor logits = m.forward(Tensor.wrap(b.features(), from * per, shape));
                    int[] labels = Arrays.copyOfRange(b.labels(), from, from + n);
                    lossSum += (double) F.crossEntropy(logits, Tensor.ofInts(labels, n)).item() * n;
                    int[] pred = logits.argmax(1).toIntArray();
                    for (int i = 0; i < n; i++) {
                        if (pred[i] == labels[i]) {
                            correct++;
                        }
                    }
                    count += n;
                }
            }
        }
        return new double[] {lossSum / count, (double) correct / count, count};
    }

    /** Loads flat parameter values (in {@code namedParameters()} order) into the module. */
    static void load(Module m, float[] flat) {
        int at = 0;
        try (var noGrad = Tensor.noGrad()) {
            for (Parameter p : m.namedParameters().values()) {
                int n = p.numel();
                p.copy_(Tensor.of(Arrays.copyOfRange(flat, at, at + n), p.shape()));
                at += n;
            }
        }
        if (at != flat.length) {
            throw new IllegalArgumentException("the model has " + at + " parameters, the flat array " + flat.length);
        }
    }
}
