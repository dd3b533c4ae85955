package io.sparkgrad.trainer.reference;

import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.trainer.ParameterSlice;
import io.sparkgrad.trainer.ReplicaFactory;
import io.sparkgrad.trainer.ReplicaModel;
import io.sparkgrad.trainer.StepStats;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * An engine-free reference replica on plain float arrays: a multilayer perceptron
 * {@code Linear(in, h1) - ReLU - ... - Linear(hk, classes)} with the cross-entropy loss, forward and backward
 * written out by hand. With no hidden layer it is multinomial logistic regression. It lets the distributed machinery
 * (and its benchmark) run and be tested before an engine adapter exists; parameters are laid out and named as a
 * PyTorch {@code nn.Sequential} of the same layers would name them ({@code 0.weight [h1, in]}, {@code 0.bias}, ...).
 *
 * <p>With {@code threads > 1} a slice of samples is split into contiguous chunks, one per thread, each summing into
 * its own buffer; the buffers are added in chunk order, so the result depends on the thread count but never on
 * timing.
 */
public final class ArrayMlp implements ReplicaModel {

    private static final int TILE = 8;

    private final int[] sizes;
    private final int[] weightOffset;
    private final int[] biasOffset;
    private final float[] params;
    private final int threads;
    private final ExecutorService pool;
    private final Workspace[] workspaces;
    private boolean training = true;

    /**
     * @param sizes    layer widths {@code [in, hidden..., classes]}, at least two
     * @param initSeed seed of PyTorch-style uniform initialization ({@code U(-1/sqrt(in), 1/sqrt(in))})
     * @param threads  threads for one gradient computation
     */
    public ArrayMlp(int[] sizes, long initSeed, int threads) {
        if (sizes.length < 2) {
            throw new IllegalArgumentException("an MLP needs at least input and output widths, got " + Arrays.toString(sizes));
        }
        for (int s : sizes) {
            if (s <= 0) {
                throw new IllegalArgumentException("layer widths must be positive, got " + Arrays.toString(sizes));
            }
        }
        if (threads <= 0) {
            throw new IllegalArgumentException("threads must be positive, got " + threads);
        }
        this.sizes = sizes.clone();
        int layers = sizes.length - 1;
        this.weightOffset = new int[layers];
        this.biasOffset = new int[layers];
        long n = 0;
        for (int l = 0; l < layers; l++) {
            weightOffset[l] = Math.toIntExact(n);
            n += (long) sizes[l] * sizes[l + 1];
            biasOffset[l] = Math.toIntExact(n);
            n += sizes[l + 1];
        }
        this.params = new float[Math.toIntExact(n)];
        SplittableRandom rnd = new SplittableRandom(initSeed);
        for (int l = 0; l < layers; l++) {
            float bound = (float) (1.0 / Math.sqrt(sizes[l]));
            for (int i = weightOffset[l]; i < biasOffset[l] + sizes[l + 1]; i++) {
                params[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
            }
        }
        this.threads = threads;
        this.pool = threads > 1 ? Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "array-mlp-worker");
            t.setDaemon(true);
            return t;
        }) : null;
        this.workspaces = new Workspace[threads];
    }

    /** A serializable factory for replicas of this MLP (same initialization on every call). */
    public static ReplicaFactory factory(long initSeed, int... sizes) {
        int[] s = sizes.clone();
        new ArrayMlp(s, initSeed, 1);
        return threads -> new ArrayMlp(s, initSeed, threads);
    }

    /** Parameter count of an MLP with these widths. */
    public static long parameterCount(int... sizes) {
        long n = 0;
        for (int l = 0; l + 1 < sizes.length; l++) {
            n += (long) sizes[l] * sizes[l + 1] + sizes[l + 1];
        }
        return n;
    }

    @Override
    public int numParameters() {
        return params.length;
    }

    @Override
    public float[] getParameters() {
        return params.clone();
    }

    @Override
    public void setParameters(float[] flat) {
        if (flat.length != params.length) {
            throw new IllegalArgumentException("MLP " + Arrays.toString(sizes) + " has " + params.length + " parameters, got " + flat.length);
        }
        System.arraycopy(flat, 0, params, 0, params.length);
    }

    @Override
    public void train(boolean training) {
        this.training = training;
    }

    /** Whether the replica is in training mode (it has no dropout or batch norm, so the mode changes nothing). */
    public boolean isTraining() {
        return training;
    }

    @Override
    public List<ParameterSlice> parameterLayout() {
        List<ParameterSlice> out = new ArrayList<>();
        for (int l = 0; l + 1 < sizes.length; l++) {
            out.add(new ParameterSlice((2 * l) + ".weight", weightOffset[l], new int[] {sizes[l + 1], sizes[l]}));
            out.add(new ParameterSlice((2 * l) + ".bias", biasOffset[l], new int[] {sizes[l + 1]}));
        }
        return out;
    }

    @Override
    public StepStats computeGradient(SampleBlock block, int[] order, int from, int count, float[] gradSumOut) {
        checkBlock(block);
        if (gradSumOut.length != params.length) {
            throw new IllegalArgumentException("gradient buffer of " + gradSumOut.length + " for " + params.length + " parameters");
        }
        return run(block, order, from, count, gradSumOut);
    }

    @Override
    public StepStats evaluate(SampleBlock block, int from, int count) {
        checkBlock(block);
        return run(block, null, from, count, null);
    }

    private void checkBlock(SampleBlock block) {
        if (block.featureSize() != sizes[0]) {
            throw new IllegalArgumentException("MLP expects " + sizes[0] + " features per sample, the block has "
                    + block.featureSize() + " (shape " + Arrays.toString(block.featureShape()) + ")");
        }
    }

    /** Gradient (when {@code gradOut} is set) or evaluation over a slice, split across the threads. */
    private StepStats run(SampleBlock block, int[] order, int from, int count, float[] gradOut) {
        int chunks = Math.max(1, Math.min(threads, count / TILE));
        if (chunks == 1) {
            return chunk(0, block, order, from, count, gradOut);
        }
        List<Future<StepStats>> futures = new ArrayList<>();
        float[][] grads = new float[chunks][];
        int per = count / chunks;
        int extra = count % chunks;
        int start = from;
        int[] starts = new int[chunks];
        int[] lens = new int[chunks];
        for (int c = 0; c < chunks; c++) {
            starts[c] = start;
            lens[c] = per + (c < extra ? 1 : 0);
            start += lens[c];
        }
        for (int c = 1; c < chunks; c++) {
            int k = c;
            if (gradOut != null) {
                grads[k] = workspace(k).grad(params.length);
            }
            futures.add(pool.submit(() -> chunk(k, block, order, starts[k], lens[k], grads[k])));
        }
        if (gradOut != null) {
            grads[0] = workspace(0).grad(params.length);
        }
        StepStats total = chunk(0, block, order, starts[0], lens[0], grads[0]);
        for (Future<StepStats> f : futures) {
            try {
                total = total.plus(f.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while computing gradients", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("a gradient thread failed: " + e.getCause(), e.getCause());
            }
        }
        if (gradOut != null) {
            for (int c = 0; c < chunks; c++) {
                float[] g = grads[c];
                for (int i = 0; i < g.length; i++) {
                    gradOut[i] += g[i];
                }
            }
        }
        return total;
    }

    private Workspace workspace(int k) {
        if (workspaces[k] == null) {
            workspaces[k] = new Workspace(sizes);
        }
        return workspaces[k];
    }

    /** Processes samples {@code [from, from + count)} (through {@code order} if set) in tiles. */
    private StepStats chunk(int k, SampleBlock block, int[] order, int from, int count, float[] gradOut) {
        Workspace ws = workspace(k);
        double loss = 0;
        long correct = 0;
        for (int t = 0; t < count; t += TILE) {
            int m = Math.min(TILE, count - t);
            int[] labels = ws.labels;
            int in = sizes[0];
            float[] x = ws.act[0];
            float[] feats = block.features();
            for (int s = 0; s < m; s++) {
                int idx = order == null ? from + t + s : order[from + t + s];
                System.arraycopy(feats, idx * in, x, s * in, in);
                labels[s] = block.labels()[idx];
            }
            forward(ws, m);
            int layers = sizes.length - 1;
            int classes = sizes[layers];
            float[] logits = ws.act[layers];
            float[] dz = ws.delta[layers];
            for (int s = 0; s < m; s++) {
                int base = s * classes;
                int y = labels[s];
                if (y < 0 || y >= classes) {
                    throw new IllegalArgumentException("label " + y + " is outside the " + classes + " classes");
                }
                float max = logits[base];
                int arg = 0;
                for (int c = 1; c < classes; c++) {
                    if (logits[base + c] > max) {
                        max = logits[base + c];
                        arg = c;
                    }
                }
                if (arg == y) {
                    correct++;
                }
                double sum = 0;
                for (int c = 0; c < classes; c++) {
                    sum += Math.exp(logits[base + c] - max);
                }
                double logSum = Math.log(sum) + max;
                loss += logSum - logits[base + y];
                if (gradOut != null) {
                    for (int c = 0; c < classes; c++) {
                        dz[base + c] = (float) Math.exp(logits[base + c] - logSum) - (c == y ? 1f : 0f);
                    }
                }
            }
            if (gradOut != null) {
                backward(ws, m, gradOut);
            }
        }
        return new StepStats(loss, correct, count);
    }

    private void forward(Workspace ws, int m) {
        int layers = sizes.length - 1;
        for (int l = 0; l < layers; l++) {
            int in = sizes[l];
            int out = sizes[l + 1];
            float[] a = ws.act[l];
            float[] z = ws.act[l + 1];
            int wo = weightOffset[l];
            int bo = biasOffset[l];
            boolean relu = l + 1 < layers;
            for (int j = 0; j < out; j++) {
                int row = wo + j * in;
                float b = params[bo + j];
                for (int s = 0; s < m; s++) {
                    float v = b + dot(params, row, a, s * in, in);
                    z[s * out + j] = relu && v < 0 ? 0f : v;
                }
            }
        }
    }

    private void backward(Workspace ws, int m, float[] g) {
        for (int l = sizes.length - 2; l >= 0; l--) {
            int in = sizes[l];
            int out = sizes[l + 1];
            float[] a = ws.act[l];
            float[] dz = ws.delta[l + 1];
            int wo = weightOffset[l];
            int bo = biasOffset[l];
            for (int j = 0; j < out; j++) {
                int row = wo + j * in;
                for (int s = 0; s < m; s++) {
                    float d = dz[s * out + j];
                    if (d != 0f) {
                        axpy(d, a, s * in, g, row, in);
                    }
                    g[bo + j] += d;
                }
            }
            if (l > 0) {
                float[] da = ws.delta[l];
                Arrays.fill(da, 0, m * in, 0f);
                for (int s = 0; s < m; s++) {
                    for (int j = 0; j < out; j++) {
                        float d = dz[s * out + j];
                        if (d != 0f) {
                            axpy(d, params, wo + j * in, da, s * in, in);
                        }
                    }
                    // ReLU: the activation a = max(z, 0) is zero exactly where the gradient is blocked.
                    for (int k = 0; k < in; k++) {
                        if (a[s * in + k] <= 0f) {
                            da[s * in + k] = 0f;
                        }
                    }
                }
            }
        }
    }

    private static float dot(float[] x, int xo, float[] y, int yo, int n) {
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += x[xo + i] * y[yo + i];
            s1 += x[xo + i + 1] * y[yo + i + 1];
            s2 += x[xo + i + 2] * y[yo + i + 2];
            s3 += x[xo + i + 3] * y[yo + i + 3];
        }
        for (; i < n; i++) {
            s0 += x[xo + i] * y[yo + i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    private static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i++) {
            y[yo + i] += alpha * x[xo + i];
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    /** Per-thread activations and deltas of one tile. */
    private static final class Workspace {
        final float[][] act;
        final float[][] delta;
        final int[] labels = new int[TILE];
        float[] grad;

        Workspace(int[] sizes) {
            act = new float[sizes.length][];
            delta = new float[sizes.length][];
            for (int l = 0; l < sizes.length; l++) {
                act[l] = new float[TILE * sizes[l]];
                delta[l] = new float[TILE * sizes[l]];
            }
        }

        float[] grad(int n) {
            if (grad == null) {
                grad = new float[n];
            } else {
                Arrays.fill(grad, 0f);
            }
            return grad;
        }
    }
}
