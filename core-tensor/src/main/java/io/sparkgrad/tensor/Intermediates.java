package io.sparkgrad.tensor;

/**
 * Frees the activations that a chain of modules makes and consumes itself, such as the outputs of all but the last
 * child of an {@code nn.Sequential}, so that a warm training step reuses their memory ({@link GradBuffers}): without
 * a graph at once, with one when a backward pass through them ends (PyTorch frees a graph's saved tensors then too).
 *
 * <p>Only the chain knows that no caller holds such a tensor; it must call {@link #consumed} only for a tensor that
 * no code outside the engine's own modules has seen.
 */
public final class Intermediates {
    private Intermediates() {
    }

    /**
     * Says that {@code x}, an activation no caller holds, has been fed to its only consumer, which made {@code y}
     * (and may have saved {@code x} for its backward rule).
     * Nothing happens when {@code y} shares {@code x}'s memory (a view, or {@code x} itself).
     */
    public static void consumed(Tensor x, Tensor y) {
        Storage s = x.storage();
        if (x.dtype() != DType.FLOAT32 || s.freed || s.recyclable || s == y.storage()) {
            return;
        }
        if (y.gradFn() == null) {
            // Nothing recorded reads x (its own grad function, if any, is reachable only through x).
            GradBuffers.current().free(s);
        } else {
            s.freeAfterBackward = true;
        }
    }

    /**
     * Says that {@code x}, a scratch buffer of one engine operation's forward that no graph saved, is no longer read:
     * its memory goes back now. (A buffer the operation saves for its backward rule goes back through
     * {@link #consumed} instead, once the backward pass ends.)
     */
    public static void released(Tensor x) {
        Storage s = x.storage();
        if (x.dtype() == DType.FLOAT32 && !s.freed) {
            GradBuffers.current().free(s);
        }
    }
}
