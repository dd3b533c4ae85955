package io.sparkgrad.nn;

/**
 * What {@link AvgPool2d} and {@link MaxPool2d} share: PyTorch's window settings (kernel, stride defaulting to the
 * kernel, padding), each a (height, width) pair, and how they print.
 */
abstract class Pool2dModule extends Module {
    final int[] kernel;
    final int[] stride;
    final int[] padding;
    private final boolean tuples;

    /** Settings of one or two values each; a null stride is the kernel size. {@code tuples}: print them as pairs. */
    Pool2dModule(String name, int[] kernel, int[] stride, int[] padding, boolean tuples) {
        this.kernel = Dense.pair(kernel, name, "kernel_size");
        this.stride = stride == null ? this.kernel.clone() : Dense.pair(stride, name, "stride");
        this.padding = Dense.pair(padding, name, "padding");
        this.tuples = tuples;
    }

    /** The window's {@code (height, width)}. */
    public final int[] kernelSize() {
        return kernel.clone();
    }

    /** The step between windows, {@code (height, width)}. */
    public final int[] stride() {
        return stride.clone();
    }

    /** The implicit padding on each side, {@code (height, width)}. */
    public final int[] padding() {
        return padding.clone();
    }

    /** A setting as PyTorch prints it: {@code 2} for a layer made from ints, {@code (2, 2)} for one made from pairs. */
    final String repr(int[] setting) {
        return pyPair(setting, tuples);
    }

    @Override
    protected String extraRepr() {
        return "kernel_size=" + repr(kernel) + ", stride=" + repr(stride) + ", padding=" + repr(padding);
    }
}
