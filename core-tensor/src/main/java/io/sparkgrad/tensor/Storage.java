package io.sparkgrad.tensor;

/**
 * The memory behind one or more tensors (a tensor and all its views share one storage), with the version counter
 * that lets autograd detect an in-place change to a value it saved for the backward pass.
 */
final class Storage {
    final float[] floats;
    final int[] ints;
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
    }

    Storage(int[] ints) {
        this.floats = null;
        this.ints = ints;
    }

    int version() {
        return version;
    }

    void bumpVersion() {
        version++;
    }
}
