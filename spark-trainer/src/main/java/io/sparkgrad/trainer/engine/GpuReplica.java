package io.sparkgrad.trainer.engine;

import io.sparkgrad.cuda.GpuContext;
import io.sparkgrad.cuda.GpuSequential;
import io.sparkgrad.cuda.GpuSession;
import io.sparkgrad.ingest.block.SampleBlock;
import io.sparkgrad.nn.spec.ModelSpec;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.trainer.ForwardingReplicaModel;
import io.sparkgrad.trainer.ReplicaFactory;
import io.sparkgrad.trainer.StepStats;
import java.util.Arrays;
import java.util.Map;
import java.util.function.IntSupplier;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * A trainer replica that computes on a GPU: the model's forward and backward passes run in a {@link GpuSequential}
 * on the GPU that Spark assigned to the task ({@code TaskContext.resources()}, GPU 0 in local mode or without an
 * assignment). It reports what {@link ModuleReplica} reports, the summed cross-entropy, the correct count and the sum of
 * the per-sample gradients, in the same flat layout, so the driver and the transport cannot tell the two apart.
 *
 * <p><b>When the GPU is used.</b> The model, its initial weights and its layout live on the host; the GPU session is
 * opened at the first gradient or evaluation call, not when the replica is built: the driver builds a probe replica only
 * to read the initial weights, and a driver without a GPU must be able to. A pooled replica reused by a task that was
 * assigned another GPU moves there (closes its session and opens one on the new GPU). Parameters set by the driver are
 * uploaded once, before the next computation; each step copies the minibatch in and the gradient, loss and count out.
 *
 * <p><b>Threads.</b> The session makes its context current on the calling thread at every call, so Spark's pooled task
 * threads need nothing kept per thread. The replica's CPU thread count is not used.
 *
 * <p><b>Dropout.</b> Masks are drawn on the GPU from the step's seed ({@link #beginStep}), so a retried task draws the
 * same ones; they are not the CPU replica's masks.
 */
public final class GpuReplica extends ForwardingReplicaModel {
    private static final int EVAL_CHUNK = 1024;

    /** Opens the GPU context a replica computes on, by device index. */
    @FunctionalInterface
    public interface Opener {
        GpuContext open(int index);
    }

    /** The host copy: the model, its flat parameters as the driver last set them, and their layout. */
    private final ModuleReplica host;
    private final int[] sampleShape;
    private final Opener opener;
    private final IntSupplier gpuIndex;
    private GpuContext device;
    private GpuSequential executor;
    private int deviceIndex = -1;
    private boolean uploaded;
    private boolean training = true;
    private long seed;
    private float[] xBuf = new float[0];
    private int[] yBuf = new int[0];

    /**
     * @param host        the CPU replica of the model, which keeps the parameters on the host (its weights are the
     *                    initial ones); refused here, naming the layer, when a layer has no GPU implementation
     * @param sampleShape one sample's shape, e.g. {@code [1, 28, 28]}
     * @param opener      opens the context of a GPU by index ({@code GpuSession.open} on a GPU)
     * @param gpuIndex    the GPU this task may use, asked at every computation
     */
    public GpuReplica(ModuleReplica host, int[] sampleShape, Opener opener, IntSupplier gpuIndex) {
        super(host);
        GpuSequential.requireSupported(host.model(), sampleShape);
        this.host = host;
        this.sampleShape = sampleShape.clone();
        this.opener = opener;
        this.gpuIndex = gpuIndex;
    }

    /**
     * Replicas of {@code spec} on samples of {@code inputShape}, initialised from {@code initSeed} as
     * {@link ModuleReplica}'s are (the same weights on any JVM), each computing on its task's GPU.
     */
    public static ReplicaFactory factory(ModelSpec spec, int[] inputShape, long initSeed) {
        int[] shape = inputShape.clone();
        return threads -> {
            Generator dropout = new Generator(initSeed);
            return new GpuReplica(new ModuleReplica(spec.build(new Generator(initSeed), dropout, shape), dropout, threads), shape,
                    index -> GpuSession.open(index, Long.MAX_VALUE), GpuReplica::taskGpu);
        };
    }

    /** A named MNIST model's replicas on the GPU (see {@link #factory(ModelSpec, int[], long)}). */
    public static ReplicaFactory factory(MnistModels spec, long initSeed) {
        return factory(spec.spec(), spec.inputShape(), initSeed);
    }

    /**
     * The GPU Spark assigned to the running task (the first address of its {@code gpu} resource), or 0 outside a task
     * or without an assignment (local mode).
     */
    public static int taskGpu() {
        TaskContext task = TaskContext.get();
        if (task == null) {
            return 0;
        }
        return gpuOf(task.resourcesJMap());
    }

    /** The first {@code gpu} address of a task's resources, or 0 when it has none. */
    static int gpuOf(Map<String, ResourceInformation> resources) {
        ResourceInformation gpu = resources.get("gpu");
        if (gpu == null || gpu.addresses().length == 0) {
            return 0;
        }
        String address = gpu.addresses()[0];
        try {
            return Integer.parseInt(address.strip());
        } catch (NumberFormatException e) {
            throw new IllegalStateException("Spark assigned this task the GPU address '" + address + "', which is not a device "
                    + "index: the GPU discovery script must print CUDA device indices (0, 1, ...)", e);
        }
    }

    @Override
    public void setParameters(float[] values) {
        host.setParameters(values);
        uploaded = false;
    }

    @Override
    public void train(boolean training) {
        this.training = training;
        host.train(training);
        if (executor != null) {
            executor.train(training);
        }
    }

    @Override
    public void beginStep(long step, long seed) {
        this.seed = seed;
    }

    @Override
    public StepStats computeGradient(SampleBlock block, int[] order, int from, int count, float[] gradSumOut) {
        ModuleReplica.checkGradientBuffer(gradSumOut, host.numParameters());
        if (count == 0) {
            return StepStats.ZERO;
        }
        GpuSequential gpu = executor();
        int per = block.featureSize();
        // The executor copies whole arrays: keep them exactly the batch's size (uneven splits alternate two sizes).
        if (xBuf.length != count * per) {
            xBuf = new float[count * per];
            yBuf = new int[count];
        }
        block.copyBatch(order, from, count, xBuf, yBuf);
        GpuSequential.Result r = gpu.step(xBuf, yBuf, seed, gradSumOut);
        return new StepStats(r.lossSum(), r.correct(), r.count());
    }

    @Override
    public StepStats evaluate(SampleBlock block, int from, int count) {
        ModuleReplica.checkEvaluationRange(block, from, count);
        StepStats total = StepStats.ZERO;
        if (count == 0) {
            return total;
        }
        GpuSequential gpu = executor();
        int per = block.featureSize();
        for (int start = from; start < from + count; start += EVAL_CHUNK) {
            int n = Math.min(EVAL_CHUNK, from + count - start);
            GpuSequential.Result r = gpu.evaluate(Arrays.copyOfRange(block.features(), start * per, (start + n) * per),
                    Arrays.copyOfRange(block.labels(), start, start + n));
            total = total.plus(new StepStats(r.lossSum(), r.correct(), n));
        }
        return total;
    }

    /** The executor on this task's GPU, with the driver's latest parameters; opened or moved here when needed. */
    private GpuSequential executor() {
        int index = gpuIndex.getAsInt();
        if (executor != null && index != deviceIndex) {
            closeDevice();
        }
        if (executor == null) {
            GpuContext opened = opener.open(index);
            try {
                executor = GpuSequential.of(host.model(), sampleShape, opened);
            } catch (RuntimeException e) {
                opened.close();
                throw e;
            }
            device = opened;
            deviceIndex = index;
            executor.train(training);
            uploaded = true;   // built from the model, which holds the latest parameters
        }
        device.makeCurrent();
        if (!uploaded) {
            executor.setParameters(host.getParameters());
            uploaded = true;
        }
        return executor;
    }

    /** The index of the GPU this replica computes on, -1 before its first computation (and after close). */
    public int deviceIndex() {
        return deviceIndex;
    }

    /** Returns the GPU memory and the context (a later computation opens a session again), then closes the host copy. */
    @Override
    public void close() {
        closeDevice();
        super.close();
    }

    private void closeDevice() {
        if (executor != null) {
            try {
                executor.close();
            } finally {
                device.close();
                executor = null;
                device = null;
                deviceIndex = -1;
            }
        }
    }
}
