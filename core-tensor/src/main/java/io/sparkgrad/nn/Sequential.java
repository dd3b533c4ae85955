package io.sparkgrad.nn;

import io.sparkgrad.kernel.LaneConv;
import io.sparkgrad.kernel.Parallelism;
import io.sparkgrad.tensor.Device;
import io.sparkgrad.tensor.Intermediates;
import io.sparkgrad.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A chain of modules, each fed the previous one's output, as {@code torch.nn.Sequential}. The children are named
 * {@code 0, 1, 2, ...}, so their state is {@code 0.weight}, {@code 0.bias}, {@code 2.weight}, ...
 */
public class Sequential extends Module {

    public Sequential(Module... modules) {
        for (Module m : modules) {
            add(m);
        }
    }

    /** Appends {@code module} under the next index; returns this. */
    public final Sequential add(Module module) {
        if (module == null) {
            throw new IllegalArgumentException("Sequential: module " + size() + " is null");
        }
        registerModule(Integer.toString(size()), module);
        return this;
    }

    /** The module at {@code index} (negative counts from the end). */
    public final Module get(int index) {
        int n = size();
        int i = index < 0 ? index + n : index;
        if (i < 0 || i >= n) {
            throw new IndexOutOfBoundsException("index " + index + " is out of range for a Sequential of " + n + " modules");
        }
        return getSubmodule(Integer.toString(i));
    }

    public final int size() {
        return namedChildren().size();
    }

    /**
     * Feeds {@code input} through the children in order. A {@link Conv2d} directly followed by a {@link ReLU} runs as
     * one fused op ({@link Conv2d#forwardInChain}): the same values and gradients, one pass and one activation array
     * fewer (the tutorial CNN trained about 5 % faster for it at batch 64, at 1 and 2 threads). A {@code Conv2d} whose
     * next module is a {@code Conv2d} too may hand it its output in lanes over samples ({@link LaneConvolution}): such
     * views never leave the chain, since only a convolution receives them. Subclasses of either that override {@code forward} are
     * left alone. A chain that starts with two or more such convolutions runs them on the CPU in slices of the batch
     * ({@link #sliceBounds}): with one thread, a large batch slice by slice; with more, each thread its own slices,
     * forward and backward ({@link ThreadSlices}). The same values, and gradients summed over the slices.
     */
    @Override
    public Tensor forward(Tensor input) {
        List<Module> modules = children();
        int chainEnd = convolutionChainEnd(modules);
        // On a GPU a slice would only mean more, smaller kernel launches.
        if (chainEnd == 0 || input.dim() != 4 || !input.device().equals(Device.CPU)) {
            return run(modules, 0, modules.size(), input);
        }
        // Inside another parallel region every op runs inline on this thread: slice as for one thread.
        int threads = Parallelism.inParallelRegion() ? 1 : Parallelism.numThreads();
        int[] bounds = sliceBounds(input.size(0), threads);
        if (bounds == null) {
            return run(modules, 0, modules.size(), input);
        }
        Tensor chained;
        if (threads > 1) {
            chained = ThreadSlices.forward(modules, chainEnd, input, bounds, threads);
        } else {
            // One thread runs the slices in turn, so that each layer's output is still in the cache when the next
            // layer reads it; the slices meet again (cat) before the rest of the chain.
            List<Tensor> parts = new ArrayList<>(bounds.length - 1);
            for (int k = 0; k + 1 < bounds.length; k++) {
                parts.add(run(modules, 0, chainEnd, input.narrow(0, bounds[k], bounds[k + 1] - bounds[k])));
            }
            chained = Tensor.cat(parts, 0);
            for (Tensor part : parts) {
                Intermediates.consumed(part, chained);
            }
        }
        return run(modules, chainEnd, modules.size(), chained, true);
    }

    /**
     * Where the slices of a batch of {@code n} start (and, last, where the batch ends), or null when the batch runs
     * whole: with one thread, slices of about {@link #SLICE} samples once the batch holds two; with more, the same
     * number of slices for every thread (at least one each, of {@link #SLICE} samples or fewer) once every thread has
     * {@link #MIN_PER_THREAD} samples of its own. Slices hold whole lane vectors (the lane convolution's unit), spread
     * evenly; the last takes what is left.
     */
    static int[] sliceBounds(int n, int threads) {
        int lanes = LaneConv.lanes();
        int groups = (n + lanes - 1) / lanes;
        int count;
        if (threads <= 1) {
            if (n < 2 * SLICE) {
                return null;
            }
            count = (n + SLICE - 1) / SLICE;
        } else {
            if (n < threads * MIN_PER_THREAD) {
                return null;
            }
            count = threads * Math.max(1, (n + SLICE * threads - 1) / (SLICE * threads));
        }
        count = Math.min(count, groups);
        int[] bounds = new int[count + 1];
        for (int k = 0; k < count; k++) {
            int size = (groups / count + (k < groups % count ? 1 : 0)) * lanes;
            bounds[k + 1] = Math.min(n, bounds[k] + size);
        }
        return bounds;
    }

    /**
     * Samples in a slice of a large batch. The tutorial CNN trained 1.1-1.2x faster per sample at batch 256 in
     * slices of 64 (1 thread) than in one piece, against batch 64 in the same run ({@code bin/bench engine}, 2-core
     * AMD EPYC with 1 MB of L2 per core, 2026-12-07): a slice's activations fit the caches, the whole batch's (3 MB
     * for the first layer) do not. With 2 threads, two slices of 64 each trained batch 256 a little faster than one
     * of 128 each (88,111 and 92,157 samples/s against 85,738 and 83,719, interleaved, 2-core Intel Xeon, same day).
     */
    static final int SLICE = 64;

    /**
     * The fewest samples per thread for which the threads take slices of their own (two AVX-512 lane vectors). The
     * tutorial CNN at batch 64 with 2 threads trained 1.2x faster in two slices of 32, one per thread, than whole
     * with each op split between the threads (59,997, 59,011, 62,071 samples/s against 48,838, 48,688, 52,761,
     * {@code bin/bench engine --threads 2}, interleaved, 2-core Intel Xeon with 2 MB of L2 per core, 2026-12-07).
     */
    static final int MIN_PER_THREAD = 32;

    /**
     * The end of the run of {@link Conv2d}s (each optionally followed by a {@link ReLU}) this chain starts with, when
     * it holds at least two convolutions; 0 otherwise.
     */
    private static int convolutionChainEnd(List<Module> modules) {
        int i = 0;
        int convs = 0;
        while (i < modules.size() && modules.get(i).getClass() == Conv2d.class) {
            convs++;
            i++;
            if (i < modules.size() && modules.get(i).getClass() == ReLU.class) {
                i++;
            }
        }
        return convs >= 2 ? i : 0;
    }

    /** Feeds {@code input} through the children {@code [from, to)}. */
    static Tensor run(List<Module> modules, int from, int to, Tensor input) {
        return run(modules, from, to, input, false);
    }

    /**
     * Feeds {@code input} through the children {@code [from, to)}; {@code internal}: the chain made {@code input}
     * itself (the slices' outputs joined), so that no caller has seen it and its first consumer may free it.
     */
    private static Tensor run(List<Module> modules, int from, int to, Tensor input, boolean internal) {
        Tensor x = input;
        // internal: x was made by one of the engine's own modules in this chain, so no caller has seen it.
        for (int i = from; i < to; i++) {
            Module m = modules.get(i);
            Tensor y;
            if (m.getClass() == Conv2d.class) {
                boolean relu = i + 1 < to && modules.get(i + 1).getClass() == ReLU.class;
                int next = relu ? i + 2 : i + 1;
                boolean lanesOut = next < to && modules.get(next).getClass() == Conv2d.class;
                y = ((Conv2d) m).forwardInChain(x, relu, lanesOut);
                if (relu) {
                    i++;
                }
            } else {
                y = m.forward(x);
            }
            boolean engines = isEngines(m);
            if (internal && engines) {
                Intermediates.consumed(x, y);
            }
            internal = engines && isEngines(modules.get(i));
            x = y;
        }
        return x;
    }

    /** The engine's leaf modules (all final), which keep no reference to their input or output; user code might. */
    private static final Set<Class<?>> KEEP_NOTHING = Set.of(Conv2d.class, ReLU.class, LeakyReLU.class, GELU.class,
            Sigmoid.class, Tanh.class, AdaptiveAvgPool2d.class, AvgPool2d.class, MaxPool2d.class, BatchNorm2d.class,
            Dropout.class, Flatten.class, Linear.class, LogSoftmax.class, Softmax.class);

    private static boolean isEngines(Module m) {
        return KEEP_NOTHING.contains(m.getClass());
    }
}
