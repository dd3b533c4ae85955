package io.sparkgrad.cuda;

import io.sparkgrad.cuda.CudaOps.Window;
import io.sparkgrad.nn.AdaptiveAvgPool2d;
import io.sparkgrad.nn.AvgPool2d;
import io.sparkgrad.nn.BatchNorm2d;
import io.sparkgrad.nn.Conv2d;
import io.sparkgrad.nn.Dropout;
import io.sparkgrad.nn.Flatten;
import io.sparkgrad.nn.GELU;
import io.sparkgrad.nn.LeakyReLU;
import io.sparkgrad.nn.Linear;
import io.sparkgrad.nn.MaxPool2d;
import io.sparkgrad.nn.Module;
import io.sparkgrad.nn.Parameter;
import io.sparkgrad.nn.ReLU;
import io.sparkgrad.nn.Sequential;
import io.sparkgrad.nn.Sigmoid;
import io.sparkgrad.nn.Tanh;
import io.sparkgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A sequential classifier trained on a GPU: the layers of a {@link Sequential} (as the model spec language builds
 * them) run forward and backward on {@link CudaOps}, with the parameters, their gradients and every activation in
 * device memory. A step copies the minibatch (features and int labels) in once and the gradient, the loss and the
 * count of correct predictions out once; the loss is cross-entropy summed over the samples and the gradient the sum of
 * the per-sample gradients, as the trainer's CPU replica computes them.
 *
 * <p>Parameters use the CPU model's flat layout ({@link io.sparkgrad.nn.FlatParameters}: {@link Module#namedParameters()}
 * order, row-major), so the trainer's flat buffers move between the two unchanged. The module itself is only read: its
 * layer settings and initial weights.
 *
 * <p>Layers on the GPU: {@link Conv2d} (one group, dilation 1), {@link Linear}, {@link ReLU}, {@link Sigmoid},
 * {@link Tanh}, {@link Flatten}, {@link MaxPool2d} (dilation 1), {@link AvgPool2d}, {@link AdaptiveAvgPool2d} (to an
 * output size that divides the input's as an average pool, to any other with the adaptive kernel), {@link GELU} (exact),
 * {@link LeakyReLU}, {@link BatchNorm2d} and {@link Dropout} (masks drawn on the device from the step's seed). Any other
 * layer is refused when the executor is built, naming it.
 *
 * <p>Batch norm's running statistics live on the device (one buffer: each {@code BatchNorm2d}'s running mean, then its
 * running variance, in layer order), updated by every pass in training mode, as the CPU module's are; its
 * {@code num_batches_tracked} is counted on the host. They start as the model's; {@link #copyRunningStatisticsTo}
 * writes them back into a host model and {@link #loadRunningStatistics} reads them from one.
 *
 * <p>Memory: the flat parameters and gradients are allocated once; a step's activations come from the device's
 * {@link CachingAllocator} and go back to it at the step's end, so repeated steps of one shape reuse the same blocks.
 * {@link #close()} returns the parameters and gradients. Used by one thread at a time; the device is made current on
 * the calling thread at every call.
 */
public final class GpuSequential implements AutoCloseable {
    /** The layers that run on the GPU, for messages. */
    static final String SUPPORTED = "Conv2d (groups 1, dilation 1), Linear, ReLU, Sigmoid, Tanh, Flatten, MaxPool2d (dilation 1), "
            + "AvgPool2d, AdaptiveAvgPool2d, GELU, LeakyReLU, BatchNorm2d, Dropout (p < 1)";

    private final GpuContext device;
    private final CudaOps ops;
    private final int[] sampleShape;
    private final int sampleSize;
    private final int classes;
    private final int numParameters;
    private final List<GpuLayer> layers;
    private final DeviceArray params;
    /** Every batch norm's running mean and variance (at least one float, so that a model without one allocates). */
    private final DeviceArray running;
    private final int runningSize;
    private final List<GpuLayer.BatchNorm> batchNorms;
    /** The flat gradients, then the step's loss sum and correct count: one copy brings a step's results out. */
    private final DeviceArray grads;
    /** The loss sum and correct count: the last two floats of {@link #grads}. */
    private final DeviceArray stats;
    private final float[] gradHost;
    private final float[] statsHost = new float[2];
    private boolean training;
    private boolean closed;

    /** Losses summed, samples classified correctly, and the samples' count. */
    public record Result(double lossSum, long correct, int count) {
    }

    private GpuSequential(GpuContext device, Module model, int[] sampleShape) {
        this.device = device;
        this.ops = new CudaOps(device, device.allocator());
        this.sampleShape = sampleShape.clone();
        int size = 1;
        for (int d : sampleShape) {
            size *= d;
        }
        this.sampleSize = size;
        this.training = model.isTraining();

        Map<Parameter, Integer> offsets = new IdentityHashMap<>();
        int total = 0;
        for (Parameter p : model.parameters()) {
            offsets.put(p, total);
            total += p.numel();
        }
        this.numParameters = total;
        Map<BatchNorm2d, Integer> runningOffsets = new IdentityHashMap<>();
        int runningTotal = 0;
        for (BatchNorm2d bn : batchNorms(model)) {
            runningOffsets.put(bn, runningTotal);
            runningTotal += 2 * bn.numFeatures();
        }
        this.runningSize = runningTotal;
        device.makeCurrent();
        this.params = ops.empty(Math.max(1, total));
        this.grads = ops.empty(total + 2);
        this.running = ops.empty(Math.max(1, runningTotal));
        this.stats = new DeviceArray(grads.address() + (long) total * Float.BYTES, new int[] {2});
        this.gradHost = new float[total + 2];
        Plan plan;
        try {
            plan = plan(model, sampleShape, p -> {
                long at = (long) offsets.get(p) * Float.BYTES;
                return new GpuLayer.Slot(new DeviceArray(params.address() + at, p.shape()),
                        new DeviceArray(grads.address() + at, p.shape()));
            }, bn -> {
                long at = running.address() + (long) runningOffsets.get(bn) * Float.BYTES;
                int[] c = {bn.numFeatures()};
                return new DeviceArray[] {new DeviceArray(at, c), new DeviceArray(at + (long) c[0] * Float.BYTES, c)};
            });
        } catch (RuntimeException e) {
            ops.free(params, grads, running);
            throw e;
        }
        this.layers = plan.layers();
        List<GpuLayer.BatchNorm> norms = new ArrayList<>();
        for (GpuLayer l : layers) {
            if (l instanceof GpuLayer.BatchNorm bn) {
                norms.add(bn);
            }
        }
        this.batchNorms = List.copyOf(norms);
        this.classes = plan.classes();
        float[] values = new float[total];
        for (Map.Entry<Parameter, Integer> e : offsets.entrySet()) {
            float[] v = e.getKey().toFloatArray();
            System.arraycopy(v, 0, values, e.getValue(), v.length);
        }
        setParameters(values);
        loadRunningStatistics(model);
    }

    /**
     * An executor for {@code model} on samples of {@code sampleShape} (e.g. {@code [1, 28, 28]}), on {@code device},
     * starting from the model's current weights.
     *
     * @throws IllegalArgumentException naming the layer when the model has one that does not run on the GPU
     */
    public static GpuSequential of(Module model, int[] sampleShape, GpuContext device) {
        return new GpuSequential(device, model, sampleShape);
    }

    /**
     * Checks, without a GPU, that {@code model} on samples of {@code sampleShape} would run on one: every layer has a
     * GPU implementation and the output is {@code [N, classes]}. The trainer asks on the driver, so that a model the GPU
     * cannot train is refused before any task starts.
     *
     * @throws IllegalArgumentException naming the layer, or the output's shape, otherwise
     */
    public static void requireSupported(Module model, int[] sampleShape) {
        plan(model, sampleShape, p -> null, bn -> new DeviceArray[2]);
    }

    /** The GPU layers and the number of classes. */
    private record Plan(List<GpuLayer> layers, int classes) {
    }

    /**
     * Builds one GPU layer per leaf module, walking the shapes with the CPU model on one zero sample (in evaluation
     * mode, so no dropout generator is drawn from), each parameter given its {@code slots}.
     */
    private static Plan plan(Module model, int[] sampleShape, Function<Parameter, GpuLayer.Slot> slots,
                             Function<BatchNorm2d, DeviceArray[]> runningStatistics) {
        List<Module> leaves = new ArrayList<>();
        leaves(model, leaves);
        List<GpuLayer> layers = new ArrayList<>();
        boolean was = model.isTraining();
        model.train(false);
        int[] out;
        try (var noGrad = Tensor.noGrad()) {
            int[] shape = new int[sampleShape.length + 1];
            shape[0] = 1;
            System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
            Tensor x = Tensor.zeros(shape);
            for (int i = 0; i < leaves.size(); i++) {
                layers.add(layer(leaves.get(i), i, x.shape(), p -> p == null ? null : slots.apply(p), runningStatistics));
                x = leaves.get(i).forward(x);
            }
            out = x.shape();
        } finally {
            model.train(was);
        }
        if (out.length != 2 || out[1] < 1) {
            throw new IllegalArgumentException("GpuSequential: the model's output for a batch has shape " + Arrays.toString(out)
                    + "; a classifier's is [N, classes]");
        }
        return new Plan(List.copyOf(layers), out[1]);
    }

    private static void leaves(Module m, List<Module> out) {
        if (m instanceof Sequential s) {
            for (Module c : s.children()) {
                leaves(c, out);
            }
        } else {
            out.add(m);
        }
    }

    private static GpuLayer layer(Module m, int index, int[] in, Function<Parameter, GpuLayer.Slot> slot,
                                  Function<BatchNorm2d, DeviceArray[]> runningStatistics) {
        if (m instanceof Linear l) {
            return new GpuLayer.Weighted(slot.apply(l.weight()), slot.apply(l.bias()), null);
        }
        if (m instanceof Conv2d c && c.groups() == 1 && Arrays.equals(c.dilation(), new int[] {1, 1})) {
            return new GpuLayer.Weighted(slot.apply(c.weight()), slot.apply(c.bias()),
                    window(c.kernelSize(), c.stride(), c.padding()));
        }
        if (m instanceof ReLU) {
            return new GpuLayer.Activation(CudaOps.Unary.RELU);
        }
        if (m instanceof Sigmoid) {
            return new GpuLayer.Activation(CudaOps.Unary.SIGMOID);
        }
        if (m instanceof Tanh) {
            return new GpuLayer.Activation(CudaOps.Unary.TANH);
        }
        if (m instanceof Flatten f) {
            return new GpuLayer.Reshape(f.flattenedDims()[0], f.flattenedDims()[1]);
        }
        if (m instanceof MaxPool2d mp && Arrays.equals(mp.dilation(), new int[] {1, 1})) {
            return new GpuLayer.MaxPool(window(mp.kernelSize(), mp.stride(), mp.padding()));
        }
        if (m instanceof AvgPool2d ap) {
            return new GpuLayer.AvgPool(window(ap.kernelSize(), ap.stride(), ap.padding()));
        }
        if (m instanceof AdaptiveAvgPool2d ap && in.length == 4 && in[2] % ap.outputSize()[0] == 0
                && in[3] % ap.outputSize()[1] == 0) {
            int[] k = {in[2] / ap.outputSize()[0], in[3] / ap.outputSize()[1]};
            return new GpuLayer.AvgPool(window(k, k, new int[] {0, 0}));
        }
        if (m instanceof BatchNorm2d bn && in.length == 4) {
            DeviceArray[] meanAndVar = runningStatistics.apply(bn);
            return new GpuLayer.BatchNorm(slot.apply(bn.weight()), slot.apply(bn.bias()), meanAndVar[0], meanAndVar[1], bn.momentum(),
                    bn.eps());
        }
        if (m instanceof Dropout d && d.p() < 1f) {
            return new GpuLayer.Dropout(d.p(), index);
        }
        if (m instanceof GELU) {
            return new GpuLayer.Gelu();
        }
        if (m instanceof LeakyReLU l) {
            return new GpuLayer.LeakyRelu(l.negativeSlope());
        }
        if (m instanceof AdaptiveAvgPool2d ap && in.length == 4) {
            return new GpuLayer.AdaptiveAvgPool(ap.outputSize()[0], ap.outputSize()[1]);
        }
        throw new IllegalArgumentException("GpuSequential: layer " + index + " (" + m + ") on input " + Arrays.toString(in)
                + " has no GPU implementation; the GPU runs " + SUPPORTED + ". Train this model with device=cpu.");
    }

    /** The model's batch norms in layer order: the order of the running-statistics buffer. */
    private static List<BatchNorm2d> batchNorms(Module model) {
        List<Module> leaves = new ArrayList<>();
        leaves(model, leaves);
        List<BatchNorm2d> out = new ArrayList<>();
        for (Module m : leaves) {
            if (m instanceof BatchNorm2d bn) {
                out.add(bn);
            }
        }
        return out;
    }

    private static Window window(int[] k, int[] s, int[] p) {
        return new Window(k[0], k[1], s[0], s[1], p[0], p[1]);
    }

    /** The length of the flat parameter (and gradient) buffer. */
    public int numParameters() {
        return numParameters;
    }

    /** The number of classes: the length of the model's output for one sample. */
    public int classes() {
        return classes;
    }

    /** Copies {@code flat} (the CPU model's layout) into the device's parameters. */
    public void setParameters(float[] flat) {
        open();
        if (flat.length != numParameters) {
            throw new IllegalArgumentException("the model has " + numParameters + " parameters, got " + flat.length);
        }
        device.makeCurrent();
        if (numParameters > 0) {
            device.copyIn(flat, params.address());
        }
    }

    /** A copy of the device's parameters. */
    public float[] getParameters() {
        open();
        device.makeCurrent();
        float[] flat = new float[numParameters];
        if (numParameters > 0) {
            device.copyOut(params.address(), flat);
        }
        return flat;
    }

    /** The length of the running-statistics buffer: each batch norm's mean and variance. */
    public int runningStatisticsSize() {
        return runningSize;
    }

    /** A copy of the device's running statistics (each batch norm's running mean, then its running variance). */
    public float[] getRunningStatistics() {
        open();
        device.makeCurrent();
        float[] flat = new float[runningSize];
        if (runningSize > 0) {
            device.copyOut(running.address(), flat);
        }
        return flat;
    }

    /**
     * Reads the running statistics and batch counts from {@code model}'s batch norms (the model this executor was built
     * from, or one of its architecture), e.g. after the host model's state was restored from a checkpoint.
     */
    public void loadRunningStatistics(Module model) {
        open();
        List<BatchNorm2d> hosts = sameBatchNorms(model);
        float[] flat = new float[runningSize];
        int at = 0;
        for (int i = 0; i < hosts.size(); i++) {
            BatchNorm2d bn = hosts.get(i);
            float[] mean = bn.runningMean().toFloatArray();
            float[] var = bn.runningVar().toFloatArray();
            System.arraycopy(mean, 0, flat, at, mean.length);
            System.arraycopy(var, 0, flat, at + mean.length, var.length);
            at += mean.length + var.length;
            batchNorms.get(i).batchesTracked = bn.numBatchesTracked();
        }
        device.makeCurrent();
        if (runningSize > 0) {
            device.copyIn(flat, running.address());
        }
    }

    /**
     * Writes the device's running statistics and the batch counts into {@code model}'s batch norms (in place, as the
     * CPU module's own training passes would have left them), so the host model's state dict, checkpoints and CPU
     * evaluation see them.
     */
    public void copyRunningStatisticsTo(Module model) {
        List<BatchNorm2d> hosts = sameBatchNorms(model);
        float[] flat = getRunningStatistics();
        int at = 0;
        try (var noGrad = Tensor.noGrad()) {
            for (int i = 0; i < hosts.size(); i++) {
                BatchNorm2d bn = hosts.get(i);
                int c = bn.numFeatures();
                bn.runningMean().copy_(Tensor.of(Arrays.copyOfRange(flat, at, at + c), c));
                bn.runningVar().copy_(Tensor.of(Arrays.copyOfRange(flat, at + c, at + 2 * c), c));
                bn.namedBuffers().get("num_batches_tracked").fill_(batchNorms.get(i).batchesTracked);
                at += 2 * c;
            }
        }
    }

    private List<BatchNorm2d> sameBatchNorms(Module model) {
        List<BatchNorm2d> hosts = batchNorms(model);
        int size = 0;
        for (BatchNorm2d bn : hosts) {
            size += 2 * bn.numFeatures();
        }
        if (hosts.size() != batchNorms.size() || size != runningSize) {
            throw new IllegalArgumentException("the model has " + hosts.size() + " batch norms with " + size + " running statistics, "
                    + "this executor " + batchNorms.size() + " with " + runningSize);
        }
        return hosts;
    }

    /** Training mode (dropout on, batch norm on the batch's statistics) or evaluation mode, like {@code Module.train}. */
    public void train(boolean training) {
        this.training = training;
    }

    /**
     * One training step's forward and backward pass over a minibatch: {@code x} holds {@code labels.length} samples of
     * the sample shape, row-major. The sum over the samples of the per-sample gradients of the cross-entropy is ADDED
     * into {@code gradSumOut} (length {@link #numParameters()}).
     *
     * @param seed the step's seed: dropout masks depend on it and on the layer only
     */
    public Result step(float[] x, int[] labels, long seed, float[] gradSumOut) {
        if (gradSumOut.length != numParameters) {
            throw new IllegalArgumentException("the gradient buffer has " + gradSumOut.length + " floats but the model has "
                    + numParameters + " parameters");
        }
        return run(x, labels, seed, gradSumOut);
    }

    /**
     * The forward pass only, in the current mode: summed loss and correct count over {@code x}'s samples. In training
     * mode batch norm normalises with the batch's statistics and updates the running ones, as the CPU module does.
     */
    public Result evaluate(float[] x, int[] labels) {
        return run(x, labels, 0L, null);
    }

    private Result run(float[] x, int[] labels, long seed, float[] gradSumOut) {
        open();
        int n = labels.length;
        if (x.length != (long) n * sampleSize) {
            throw new IllegalArgumentException("a batch of " + n + " samples of shape " + Arrays.toString(sampleShape) + " has "
                    + (long) n * sampleSize + " features, got " + x.length);
        }
        if (n == 0) {
            return new Result(0, 0, 0);
        }
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("label " + labels[i] + " of sample " + i + " is outside [0, " + classes + ")");
            }
        }
        device.makeCurrent();
        GpuLayer.Pass pass = new GpuLayer.Pass(ops, training && gradSumOut != null, training, seed);
        try {
            int[] shape = new int[sampleShape.length + 1];
            shape[0] = n;
            System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
            DeviceArray a = pass.own(ops.empty(shape));
            device.copyIn(x, a.address());
            DeviceArray target = pass.own(ops.empty(n));
            device.copyIn(labels, target.address());
            for (GpuLayer layer : layers) {
                a = layer.forward(pass, a);
            }
            boolean backward = gradSumOut != null;
            ops.fill(backward ? grads : stats, 0f);
            CudaOps.CrossEntropy ce = ops.crossEntropy(a, target);
            pass.own(ce.logp(), ce.losses(), ce.lossSum());
            DeviceArray correct = pass.own(ops.correct(a, target));
            ops.axpy(1f, ce.lossSum(), new DeviceArray(stats.address(), new int[] {1}));
            ops.axpy(1f, correct, new DeviceArray(stats.address() + Float.BYTES, new int[] {1}));
            if (backward) {
                DeviceArray one = pass.own(ops.empty(1));
                ops.fill(one, 1f);   // reduction SUM: d(loss sum)/d(loss_i) = 1
                DeviceArray g = pass.own(ops.crossEntropyBackward(ce.logp(), target, one));
                for (int i = layers.size() - 1; i >= 0; i--) {
                    g = layers.get(i).backward(pass, g);
                }
                device.copyOut(grads.address(), gradHost);
                for (int i = 0; i < numParameters; i++) {
                    gradSumOut[i] += gradHost[i];
                }
                System.arraycopy(gradHost, numParameters, statsHost, 0, 2);
            } else {
                device.copyOut(stats.address(), statsHost);
            }
            return new Result(statsHost[0], (long) statsHost[1], n);
        } finally {
            pass.release();
        }
    }

    private void open() {
        if (closed) {
            throw new IllegalStateException("this GpuSequential on " + device.name() + " is closed");
        }
    }

    /**
     * Returns the parameters', gradients' and running statistics' device memory to the allocator; the device stays open.
     * Idempotent.
     */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            ops.free(params, grads, running);
        }
    }
}
