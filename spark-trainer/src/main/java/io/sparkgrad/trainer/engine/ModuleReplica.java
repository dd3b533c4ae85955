package io.sparkgrad.trainer.engine;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.kernel.Parallelism;
import io.sparkgrad.nn.F;
import io.sparkgrad.nn.FlatParameters;
import io.sparkgrad.nn.Module;
import io.sparkgrad.nn.Reduction;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Tensor;
import io.sparkgrad.trainer.ParameterSlice;
import io.sparkgrad.trainer.ReplicaFactory;
import io.sparkgrad.trainer.ReplicaModel;
import io.sparkgrad.trainer.StepStats;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The core-tensor engine as a trainer replica: a {@link Module} whose parameters and gradients live in one flat
 * buffer each ({@link FlatParameters}), trained with a summed cross-entropy so that the gradient it reports is the
 * sum of the per-sample gradients, as exact data parallelism needs.
 *
 * <p><b>Threads.</b> A replica sets the engine's intra-op thread count ({@link Parallelism}) of the calling thread
 * to its own ({@code threads}: the task's {@code spark.task.cpus} on an executor) at the start of every gradient and
 * evaluation call, not when it is built: replicas come from a per-JVM pool and may be reused by later tasks, and the
 * driver builds a probe replica (with 1 thread) only to read the initial weights. The count is the task thread's
 * own ({@link Parallelism#setTaskThreads}), not the JVM's: two runs' tasks in one executor each compute with their
 * own count, and in local mode the driver's count is never touched.
 */
public final class ModuleReplica implements ReplicaModel {
    /**
     * Samples per forward pass when evaluating. Small on purpose: a CPU forward pass is fastest per sample at 64-128
     * samples, whose activations stay in the caches: core-tensor's {@code EvalBatchBench} timed the MNIST CNN at 12.9 us
     * a sample at batches of 64 and 128, 15.1 at 256 and 28.6 at 1,024 (one thread, 2-core AMD EPYC, 2026-12-07).
     */
    public static final int EVAL_CHUNK = 128;

    /**
     * The chunk size that splits {@code samples} evenly into the fewest chunks of at most {@code max}: 5,000 samples
     * in chunks of at most 128 go as 40 chunks of 125, not 39 of 128 and a tail of 8, which would run (and make the
     * JIT compile) the direct convolution kernels that batches too small for the lanes take. No samples: {@code max}.
     */
    public static int evenChunk(int samples, int max) {
        if (max <= 0) {
            throw new IllegalArgumentException("the chunk bound must be positive, got " + max);
        }
        if (samples <= 0) {
            return max;
        }
        int chunks = (samples + max - 1) / max;
        return (samples + chunks - 1) / chunks;
    }

    private final Module model;
    private final FlatParameters flat;
    private final Generator dropout;
    private final int threads;
    private float[] xBuf = new float[0];
    private int[] yBuf = new int[0];

    /**
     * @param model   the model; its parameters are re-packed into one flat buffer
     * @param dropout the generator the model's dropout layers draw from, reseeded at every step
     * @param threads the engine's thread count while this replica computes (at least 1)
     */
    public ModuleReplica(Module model, Generator dropout, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("a replica needs at least 1 thread, got " + threads);
        }
        if (!model.namedBuffers().isEmpty()) {
            // Only parameters travel between the driver and the workers: buffers such as BatchNorm's running
            // statistics would stay wherever each replica computed them, and evaluation would use a random one's.
            throw new IllegalArgumentException("the model has buffers " + model.namedBuffers().keySet() + ", which the trainer does"
                    + " not carry between the driver and the workers (only parameters travel): use a model without BatchNorm");
        }
        this.model = model;
        this.flat = FlatParameters.of(model);
        this.dropout = dropout;
        this.threads = threads;
    }

    /**
     * A serializable factory for a named MNIST model, initialised from {@code initSeed}: every replica built from it,
     * on any JVM, starts from the same weights (only the driver's copy's initial weights matter for training: executors
     * receive the driver's weights before every step).
     */
    public static ReplicaFactory factory(MnistModels spec, long initSeed) {
        return threads -> {
            Generator dropout = new Generator(initSeed);
            return new ModuleReplica(spec.build(new Generator(initSeed), dropout), dropout, threads);
        };
    }

    /** The model (its parameters are views into the flat buffer). */
    public Module model() {
        return model;
    }

    /** The engine's thread count while this replica computes. */
    public int threads() {
        return threads;
    }

    @Override
    public int numParameters() {
        return flat.size();
    }

    @Override
    public float[] getParameters() {
        return flat.data().clone();
    }

    @Override
    public void setParameters(float[] values) {
        flat.copyFrom(values);   // refuses another length, naming the parameters
    }

    @Override
    public void train(boolean training) {
        model.train(training);
    }

    @Override
    public void beginStep(long step, long seed) {
        dropout.setSeed(seed);
    }

    @Override
    public StepStats computeGradient(SampleBlock block, int[] order, int from, int count, float[] gradSumOut) {
        return compute(block, order, from, count, gradSumOut, true);
    }

    /** The engine's flat gradient copied out, not added: one pass instead of the default's zeroing and adding. */
    @Override
    public StepStats computeGradientSum(SampleBlock block, int[] order, int from, int count, float[] gradSumOut) {
        return compute(block, order, from, count, gradSumOut, false);
    }

    private StepStats compute(SampleBlock block, int[] order, int from, int count, float[] gradSumOut, boolean add) {
        checkGradientBuffer(gradSumOut, flat.size());
        if (count == 0) {
            if (!add) {
                Arrays.fill(gradSumOut, 0f);
            }
            return StepStats.ZERO;
        }
        useThreads();
        Tensor x = batch(block, order, from, count);
        Tensor y = Tensor.ofInts(yBuf, count);
        flat.zeroGrad();
        Tensor logits = model.forward(x);
        Tensor loss = F.crossEntropy(logits, y, Reduction.SUM);
        loss.backward();
        float[] g = flat.grad();
        if (add) {
            for (int i = 0; i < g.length; i++) {
                gradSumOut[i] += g[i];
            }
        } else {
            System.arraycopy(g, 0, gradSumOut, 0, g.length);
        }
        return new StepStats(loss.item(), correct(logits, y), count);
    }

    @Override
    public StepStats evaluate(SampleBlock block, int from, int count) {
        checkEvaluationRange(block, from, count);
        useThreads();
        StepStats total = StepStats.ZERO;
        int per = block.featureSize();
        int chunk = evenChunk(count, EVAL_CHUNK);
        try (var noGrad = Tensor.noGrad()) {
            for (int start = from; start < from + count; start += chunk) {
                int n = Math.min(chunk, from + count - start);
                Tensor x = Tensor.wrap(block.features(), start * per, sampleShape(block, n));
                Tensor y = Tensor.ofInts(Arrays.copyOfRange(block.labels(), start, start + n), n);
                Tensor logits = model.forward(x);
                total = total.plus(new StepStats(F.crossEntropy(logits, y, Reduction.SUM).item(), correct(logits, y), n));
            }
        }
        return total;
    }

    @Override
    public List<ParameterSlice> parameterLayout() {
        List<ParameterSlice> slices = new ArrayList<>();
        int[] offsets = flat.offsets();
        List<String> names = flat.names();
        for (int i = 0; i < names.size(); i++) {
            slices.add(new ParameterSlice(names.get(i), offsets[i], flat.shape(i)));
        }
        return slices;
    }

    /** Refuses a gradient buffer whose length is not the model's parameter count. */
    static void checkGradientBuffer(float[] gradSumOut, int parameters) {
        if (gradSumOut.length != parameters) {
            throw new IllegalArgumentException("the gradient buffer has " + gradSumOut.length + " floats but the model has "
                    + parameters + " parameters");
        }
    }

    /** Refuses samples {@code from .. from + count} that are not all in {@code block}. */
    static void checkEvaluationRange(SampleBlock block, int from, int count) {
        if (from < 0 || count < 0 || from + count > block.size()) {
            throw new IllegalArgumentException("cannot evaluate samples " + from + ".." + (from + count) + " of a block of " + block.size());
        }
    }

    /**
     * Sets the calling thread's engine thread count to this replica's (its task's {@code spark.task.cpus}); the JVM's
     * count and other threads' (another run's task in the same executor, the driver in local mode) are left alone.
     */
    private void useThreads() {
        Parallelism.setTaskThreads(threads);
    }

    /** The samples {@code order[from..from+count)} copied into reused buffers, as an [N, ...sample shape] tensor. */
    private Tensor batch(SampleBlock block, int[] order, int from, int count) {
        int per = block.featureSize();
        // The feature buffer only grows (a tensor may view a prefix of it), so uneven splits, which alternate between
        // two counts, do not reallocate it every step; the labels tensor needs an exact (small) array.
        if (xBuf.length < count * per) {
            xBuf = new float[count * per];
        }
        if (yBuf.length != count) {
            yBuf = new int[count];
        }
        block.copyBatch(order, from, count, xBuf, yBuf);
        // A fresh tensor over the reused buffer: nothing from the previous step's graph still reads it.
        return Tensor.of(xBuf, sampleShape(block, count));
    }

    private static int[] sampleShape(SampleBlock block, int n) {
        int[] s = block.featureShape();
        int[] shape = new int[s.length + 1];
        shape[0] = n;
        System.arraycopy(s, 0, shape, 1, s.length);
        return shape;
    }

    private static long correct(Tensor logits, Tensor y) {
        int[] pred = logits.argmax(1).toIntArray();
        int[] labels = y.toIntArray();
        long c = 0;
        for (int i = 0; i < pred.length; i++) {
            if (pred[i] == labels[i]) {
                c++;
            }
        }
        return c;
    }
}
