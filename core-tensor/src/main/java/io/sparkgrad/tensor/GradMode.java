package io.sparkgrad.tensor;

/**
 * Whether operations record the autograd graph, per thread (a Spark executor runs tasks on several threads).
 * Use {@link Tensor#noGrad()} for a scope: {@code try (var ng = Tensor.noGrad()) { ... }}.
 */
public final class GradMode {
    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

    private GradMode() {
    }

    /** True when operations on this thread record gradients. */
    public static boolean isEnabled() {
        return ENABLED.get()[0];
    }

    /** Sets whether this thread records gradients; returns the previous setting. */
    public static boolean setEnabled(boolean enabled) {
        boolean[] flag = ENABLED.get();
        boolean previous = flag[0];
        flag[0] = enabled;
        return previous;
    }

    /** A scope that turns gradient recording off (or on) and restores the previous setting on close. */
    public static final class Scope implements AutoCloseable {
        private final boolean previous;

        Scope(boolean enabled) {
            this.previous = setEnabled(enabled);
        }

        @Override
        public void close() {
            setEnabled(previous);
        }
    }
}
