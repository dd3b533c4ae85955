package io.sparkgrad.cuda;

/**
 * Host-device copies: the edges of a step (a minibatch in; gradient, loss and counts out). Each call returns when the
 * copy is done, so the host array may be reused at once.
 */
public interface DeviceCopies {

    /** Copies {@code host} into the device block at {@code address}. */
    void copyIn(float[] host, long address);

    /** Copies int32 {@code host} (labels) into the device block at {@code address}. */
    void copyIn(int[] host, long address);

    /** Copies {@code host.length} floats from {@code address} into {@code host}, after all queued work. */
    void copyOut(long address, float[] host);
}
