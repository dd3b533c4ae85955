package io.sparkgrad.nn;

import io.sparkgrad.tensor.Shape;

/**
 * The sizes of one 2-D pooling over {@code planes = n*c} independent {@code h x w} planes, validated once: window
 * {@code kH x kW} with stride, implicit padding and dilation, output {@code oH x oW} (ceil_mode false).
 */
record PoolGeometry(int n, int c, int h, int w, int kH, int kW, int sH, int sW, int pH, int pW, int dH, int dW, int oH, int oW) {

    int planes() {
        return n * c;
    }

    int[] outputShape() {
        return new int[] {n, c, oH, oW};
    }

    /**
     * Checks the hyperparameters against a 4-D input shape, as PyTorch does (padding at most half the effective
     * kernel, an output of at least one element), and computes {@code floor((h + 2p - d*(k-1) - 1)/s) + 1}.
     */
    static PoolGeometry of(String op, int[] x, int[] kernel, int[] stride, int[] padding, int[] dilation) {
        if (kernel[0] < 1 || kernel[1] < 1) {
            throw new IllegalArgumentException(op + ": kernel_size must be greater than zero, but got " + Shape.format(kernel));
        }
        if (stride[0] < 1 || stride[1] < 1) {
            throw new IllegalArgumentException(op + ": stride must be greater than zero, but got " + Shape.format(stride));
        }
        if (dilation[0] < 1 || dilation[1] < 1) {
            throw new IllegalArgumentException(op + ": dilation must be greater than zero, but got " + Shape.format(dilation));
        }
        for (int i = 0; i < 2; i++) {
            int effective = dilation[i] * (kernel[i] - 1) + 1;
            if (padding[i] < 0 || padding[i] > effective / 2) {
                throw new IllegalArgumentException(op + ": pad should be at most half of effective kernel size, but got pad="
                        + padding[i] + ", kernel_size=" + kernel[i] + " and dilation=" + dilation[i]);
            }
        }
        // floorDiv, not '/': a window larger than the padded input gives a negative numerator.
        int oH = Math.floorDiv(x[2] + 2 * padding[0] - dilation[0] * (kernel[0] - 1) - 1, stride[0]) + 1;
        int oW = Math.floorDiv(x[3] + 2 * padding[1] - dilation[1] * (kernel[1] - 1) - 1, stride[1]) + 1;
        if (oH < 1 || oW < 1) {
            throw new IllegalArgumentException(op + ": given input size: (" + x[1] + "x" + x[2] + "x" + x[3] + "). Calculated output size: ("
                    + x[1] + "x" + oH + "x" + oW + "). Output size is too small (input " + Shape.format(x) + ", kernel_size "
                    + Shape.format(kernel) + ", stride " + Shape.format(stride) + ", padding " + Shape.format(padding) + ", dilation "
                    + Shape.format(dilation) + ")");
        }
        return new PoolGeometry(x[0], x[1], x[2], x[3], kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1],
                dilation[0], dilation[1], oH, oW);
    }
}
