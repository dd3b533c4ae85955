package io.sparkgrad.tensor;

import java.lang.ref.PhantomReference;

/**
 * One storage's block of device memory, and the reference that hands it back to its device's caching allocator: at
 * once when the engine knows that nothing reads it any more (a consumed gradient, a freed intermediate), else once the
 * storage is unreachable (Java's stand-in for PyTorch's reference count; see {@link CudaBackend#reclaim}).
 */
final class DeviceBlock extends PhantomReference<Storage> {
    final CudaBackend backend;
    final long address;
    private boolean released;

    DeviceBlock(Storage owner, CudaBackend backend, long address) {
        super(owner, backend.collected());
        this.backend = backend;
        this.address = address;
    }

    /** Gives the block back to the allocator; later calls do nothing. */
    void release() {
        synchronized (this) {
            if (released) {
                return;
            }
            released = true;
        }
        clear();
        backend.released(this);
    }
}
