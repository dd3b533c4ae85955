package io.sparkgrad.nn;

import io.sparkgrad.kernel.AdaptiveAvgPool2dKernel;
import io.sparkgrad.kernel.AvgPool2dKernel;
import io.sparkgrad.kernel.MaxPool2dKernel;
import io.sparkgrad.kernel.Pool2dGeometry;
import io.sparkgrad.tensor.CudaFunctions;
import io.sparkgrad.tensor.GradFn;
import io.sparkgrad.tensor.Shape;
import io.sparkgrad.tensor.Tensor;

/** Max, average and adaptive average pooling with their backward rules beside them; the arithmetic is the {@code io.sparkgrad.kernel} pooling kernels'. */
final class Pooling {
    private Pooling() {
    }

    static Tensor maxPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation) {
        if (x.dim() == 3) {
            return maxPool2d(x.unsqueeze(0), kernel, stride, padding, dilation).squeeze(0);
        }
        requireImage(x, "max_pool2d");
        int[] k = Dense.pair(kernel, "max_pool2d", "kernel_size");
        Pool2dGeometry g = Pool2dGeometry.of("max_pool2d", x.shape(), k, strideOrKernel(stride, k, "max_pool2d"),
                Dense.pair(padding, "max_pool2d", "padding"), Dense.pair(dilation, "max_pool2d", "dilation"));
        if (CudaFunctions.onCuda("max_pool2d", x)) {
            return CudaFunctions.maxPool2d(x, k, strideOrKernel(stride, k, "max_pool2d"), Dense.pair(padding, "max_pool2d", "padding"),
                    Dense.pair(dilation, "max_pool2d", "dilation"));
        }
        Tensor xc = Dense.of(x, "max_pool2d", "input");
        int outN = g.outputSize();
        float[] out = new float[outN];
        int[] argmax = new int[outN];
        MaxPool2dKernel.forward(g, xc.data(), xc.storageOffset(), out, 0, argmax, 0);
        int[] xShape = x.shape();
        return GradFn.of("max_pool2d", x).result(Tensor.of(out, g.outputShape()), gradOut -> {
            Tensor go = Dense.of(gradOut, "max_pool2d backward", "output gradient");
            float[] gx = new float[Shape.numel(xShape)];
            MaxPool2dKernel.backward(g, go.data(), go.storageOffset(), argmax, 0, gx, 0, false);
            return new Tensor[] {Tensor.of(gx, xShape)};
        });
    }

    static Tensor avgPool2d(Tensor x, int[] kernel, int[] stride, int[] padding) {
        if (x.dim() == 3) {
            return avgPool2d(x.unsqueeze(0), kernel, stride, padding).squeeze(0);
        }
        requireImage(x, "avg_pool2d");
        int[] k = Dense.pair(kernel, "avg_pool2d", "kernel_size");
        Pool2dGeometry g = Pool2dGeometry.of("avg_pool2d", x.shape(), k, strideOrKernel(stride, k, "avg_pool2d"),
                Dense.pair(padding, "avg_pool2d", "padding"), new int[] {1, 1});
        if (CudaFunctions.onCuda("avg_pool2d", x)) {
            return CudaFunctions.avgPool2d(x, k, strideOrKernel(stride, k, "avg_pool2d"), Dense.pair(padding, "avg_pool2d", "padding"));
        }
        Tensor xc = Dense.of(x, "avg_pool2d", "input");
        float[] out = new float[g.outputSize()];
        AvgPool2dKernel.forward(g, xc.data(), xc.storageOffset(), out, 0);
        int[] xShape = x.shape();
        return GradFn.of("avg_pool2d", x).result(Tensor.of(out, g.outputShape()), gradOut -> {
            Tensor go = Dense.of(gradOut, "avg_pool2d backward", "output gradient");
            float[] gx = new float[Shape.numel(xShape)];
            AvgPool2dKernel.backward(g, go.data(), go.storageOffset(), gx, 0, false);
            return new Tensor[] {Tensor.of(gx, xShape)};
        });
    }

    static Tensor adaptiveAvgPool2d(Tensor x, int outH, int outW) {
        if (x.dim() == 3) {
            return adaptiveAvgPool2d(x.unsqueeze(0), outH, outW).squeeze(0);
        }
        requireImage(x, "adaptive_avg_pool2d");
        if (CudaFunctions.onCuda("adaptive_avg_pool2d", x)) {
            AdaptiveAvgPool2dKernel.check(x.size(0), x.size(1), x.size(2), x.size(3), outH, outW);
            if (x.size(2) % outH != 0 || x.size(3) % outW != 0) {
                // Overlapping windows of unequal sizes: the adaptive kernel.
                return CudaFunctions.adaptiveAvgPool2d(x, outH, outW);
            }
            // Windows that tile the input exactly: the average pool of that window, the same numbers.
            int[] k = {x.size(2) / outH, x.size(3) / outW};
            return CudaFunctions.avgPool2d(x, k, k, new int[] {0, 0});
        }
        int[] xShape = x.shape();
        AdaptiveAvgPool2dKernel.check(xShape[0], xShape[1], xShape[2], xShape[3], outH, outW);
        int h = xShape[2];
        int w = xShape[3];
        int[] outShape = {xShape[0], xShape[1], outH, outW};
        Tensor xc = Dense.of(x, "adaptive_avg_pool2d", "input");
        float[] out = new float[Shape.numel(outShape)];
        AdaptiveAvgPool2dKernel.forward(xShape[0], xShape[1], h, w, outH, outW, xc.data(), xc.storageOffset(), out, 0);
        return GradFn.of("adaptive_avg_pool2d", x).result(Tensor.of(out, outShape), gradOut -> {
            Tensor go = Dense.of(gradOut, "adaptive_avg_pool2d backward", "output gradient");
            Tensor gx = Tensor.zeros(xShape);
            AdaptiveAvgPool2dKernel.backward(xShape[0], xShape[1], h, w, outH, outW, go.data(), go.storageOffset(), gx.data(), 0, false);
            return new Tensor[] {gx};
        });
    }

    private static void requireImage(Tensor x, String op) {
        if (x.dim() != 4) {
            throw new IllegalArgumentException(op + ": expected a 3D (unbatched) or 4D (batched) input [N, C, H, W], but got input of size: "
                    + Shape.format(x.shape()));
        }
    }

    /** PyTorch's default: a missing (null or empty) stride is the kernel size. */
    private static int[] strideOrKernel(int[] stride, int[] kernel, String op) {
        return stride == null || stride.length == 0 ? kernel.clone() : Dense.pair(stride, op, "stride");
    }
}
