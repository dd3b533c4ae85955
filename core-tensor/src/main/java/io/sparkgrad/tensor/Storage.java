package io.sparkgrad.tensor;

/**
 * The memory behind one or more tensors (a tensor and all its views share one storage), with the version counter
 * that lets autograd detect an in-place change to a value it saved for the backward pass.
 */
final class Storage {
    final float[] floats;
    final int[] ints;
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
