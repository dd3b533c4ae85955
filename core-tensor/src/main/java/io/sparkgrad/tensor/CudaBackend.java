package io.sparkgrad.tensor;

import io.sparkgrad.cuda.CudaOps;
import io.sparkgrad.cuda.DeviceArray;
import io.sparkgrad.cuda.GpuContext;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The memory and ops of tensors on one CUDA device: a {@link GpuContext} (the GPU's session, or the emulator in tests),
 * the {@link CudaOps} over it, and the device blocks that tensors' storages own.
 *
 * <p><b>Memory.</b> Every block comes from the context's caching allocator and goes back to it (never to the driver on
 * the hot path) in one of two ways: at once, when the engine knows nothing reads it any more (the gradients of a
 * backward pass once consumed, a module chain's intermediates, an op's temporaries: the same rules as the host's
 * {@link GradBuffers}); or when its storage has become unreachable, which the garbage collector tells through a
 * reference queue that every allocation polls ({@link #reclaim}), on the thread that uses the device. A step thus ends
 * with what the caller still holds in use, plus what the collector has not yet found.
 */
final class CudaBackend {
    private final Device device;
    private final GpuContext context;
    private final CudaOps ops;
    private final ReferenceQueue<Storage> collected = new ReferenceQueue<>();
    /** Keeps each live block's reference reachable, so that the collector enqueues it. */
    private final Set<DeviceBlock> live = ConcurrentHashMap.newKeySet();

    CudaBackend(Device device, GpuContext context) {
        this.device = device;
        this.context = context;
        this.ops = new CudaOps(context, context.allocator());
        context.allocator().onPressure(this::collect);
    }

    Device device() {
        return device;
    }

    GpuContext context() {
        return context;
    }

    /** The ops; call {@link #reclaim} first where an op allocates (every {@link #wrap} does). */
    CudaOps ops() {
        reclaim();
        return ops;
    }

    ReferenceQueue<Storage> collected() {
        return collected;
    }

    /** A tensor that owns {@code a} (allocated by {@link #ops()}), with the given shape (of {@code a}'s size) and dtype. */
    Tensor wrap(DeviceArray a, int[] shape, DType dtype) {
        Storage s = new Storage(this, a.address());
        live.add(s.device);
        return new Tensor(s, 0, shape.clone(), Shape.contiguousStrides(shape), dtype);
    }

    Tensor wrap(DeviceArray a, DType dtype) {
        return wrap(a, a.shape(), dtype);
    }

    /** Called once per block, by {@link DeviceBlock#release}. */
    void released(DeviceBlock block) {
        live.remove(block);
        context.allocator().free(block.address);
    }

    /** Gives back the blocks of storages the collector found unreachable. */
    void reclaim() {
        for (Reference<? extends Storage> r = collected.poll(); r != null; r = collected.poll()) {
            ((DeviceBlock) r).release();
        }
    }

    /**
     * Out of device memory: runs the garbage collector and gives back the blocks of the storages it finds unreachable
     * (their references reach the queue shortly after a collection: wait a little for the first).
     */
    private void collect() {
        int before = live.size();
        for (int i = 0; i < 10 && live.size() == before; i++) {
            System.gc();
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            reclaim();
        }
    }

    /** Bytes of device memory that tensors (and the context's other users) hold now. */
    long bytesInUse() {
        return context.allocator().stats().inUseBytes();
    }

    /** Blocks owned by live storages. */
    int liveBlocks() {
        return live.size();
    }

    @Override
    public String toString() {
        return device + " (" + context.name() + ")";
    }
}
