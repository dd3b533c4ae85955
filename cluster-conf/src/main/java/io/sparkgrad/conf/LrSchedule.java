package io.sparkgrad.conf;

/** How the learning rate moves over a run; the driver applies it once per step. */
public enum LrSchedule implements ConfigEnum {
    /** The configured {@code optimizer.lr} throughout. */
    CONSTANT,
    /**
     * PyTorch's {@code CosineAnnealingLR} over the whole run: from {@code optimizer.lr} down to
     * {@code optimizer.minLr} at the last step ({@code T_max} = epochs x steps per epoch).
     */
    COSINE
}
