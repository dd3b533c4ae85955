package io.sparkgrad.tensor;

/**
 * The memory behind one or more tensors (a tensor and all its views share one storage), with the version counter
 * that lets autograd detect an in-place change to a value it saved for the backward pass. Host memory is a float or
 * int array; device memory is a {@link DeviceBlock} of a CUDA device's caching allocator (then both arrays are null).
 */
final class Storage {
    final float[] floats;
    final int[] ints;
    /** The device memory, or null for host memory. */
    final DeviceBlock device;
    /** Drawn from {@link GradBuffers} in a backward pass: its array goes back there when {@link #gradRefs} drops to 0. */
    boolean recyclable;
    /** Pending gradients of the running backward pass that use this storage (kept by {@link Backprop}). */
    int gradRefs;
    /**
     * Set once the array went back to {@link GradBuffers} (the array may then hold another tensor's numbers): the
     * tensor's accessors fail instead of reading it. Kept apart from {@link #floats} so that field stays final.
     */
    boolean freed;
    /** An intermediate activation only its graph reads ({@link Intermediates}): freed when a backward pass over it ends. */
    boolean freeAfterBackward;
    private int version;

    Storage(float[] floats) {
        this.floats = floats;
        this.ints = null;
        this.device = null;
    }

    Storage(int[] ints) {
        this.floats = null;
        this.ints = ints;
        this.device = null;
    }

    /**
     * The block at {@code address} of {@code backend}'s allocator, which this storage owns from now on: it goes back when
     * this storage is freed ({@link GradBuffers#free}) or becomes unreachable. Drawn in a backward pass, it is recyclable
     * as the host arrays are.
     */
    Storage(CudaBackend backend, long address) {
        this.floats = null;
        this.ints = null;
        this.device = new DeviceBlock(this, backend, address);
        this.recyclable = GradBuffers.current().inBackward();
    }

    int version() {
        return version;
    }

    void bumpVersion() {
        version++;
    }
}
