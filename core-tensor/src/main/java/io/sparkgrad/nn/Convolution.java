package io.sparkgrad.nn;

import io.sparkgrad.kernel.Conv2dGeometry;
import io.sparkgrad.kernel.Conv2dKernel;
import io.sparkgrad.kernel.LaneConv;
import io.sparkgrad.kernel.LaneLayout;
import io.sparkgrad.tensor.CudaFunctions;
import io.sparkgrad.tensor.GradFn;
import io.sparkgrad.tensor.Intermediates;
import io.sparkgrad.tensor.Shape;
import io.sparkgrad.tensor.Tensor;

/** {@code conv2d} with its backward rule beside it; the arithmetic is {@link Conv2dKernel}'s. */
final class Convolution {
    private Convolution() {
    }

    static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return conv2d(x, weight, bias, stride, padding, dilation, groups, false, false);
    }

    /**
     * {@code conv2d}, followed by a ReLU when {@code relu} is set: one pass writes {@code relu(conv(x))} (no
     * pre-activation array, no second pass over the output), and the backward masks the incoming gradient on the fly
     * before the convolution's own backward. The values and gradients are exactly those of the two ops in a row.
     */
    static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups,
            boolean relu, boolean lanesOut) {
        if (x.dim() == 3) {
            // An unbatched [C, H, W] image, as PyTorch accepts: run it as a batch of one.
            return conv2d(x.unsqueeze(0), weight, bias, stride, padding, dilation, groups, relu, false).squeeze(0);
        }
        if (x.dim() != 4) {
            throw new IllegalArgumentException("Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: "
                    + Shape.format(x.shape()));
        }
        Conv2dGeometry g = Conv2dGeometry.of(x.shape(), weight.shape(), Dense.pair(stride, "conv2d", "stride"),
                Dense.pair(padding, "conv2d", "padding"), Dense.pair(dilation, "conv2d", "dilation"), groups);
        if (bias != null && (bias.dim() != 1 || bias.size(0) != g.o())) {
            throw new IllegalArgumentException("Given weight of size " + Shape.format(weight.shape()) + ", expected bias to be 1-dimensional with "
                    + g.o() + " elements, but got bias of size " + Shape.format(bias.shape()) + " instead");
        }
        if (CudaFunctions.onCuda("conv2d", x, weight, bias)) {
            Tensor y = CudaFunctions.conv2d(x, weight, bias, Dense.pair(stride, "conv2d", "stride"),
                    Dense.pair(padding, "conv2d", "padding"), Dense.pair(dilation, "conv2d", "dilation"), groups);
            if (!relu) {
                return y;
            }
            // Two kernels on the device; the pre-activation is seen by no caller, so its memory goes back with the graph.
            Tensor r = y.relu();
            Intermediates.consumed(y, r);
            return r;
        }
        if (LaneConv.accepts(g)) {
            // In lanes when the output stays in them for the next convolution, or the input already is in them.
            LaneLayout own = LaneConvolution.inLanes(x, LaneConv.inputBorder(g));
            if (lanesOut || own != null) {
                return LaneConvolution.conv2d(x, own, weight, bias, g, relu, lanesOut);
            }
        }
        Tensor xc = Dense.of(x, "conv2d", "input");
        Tensor wc = Dense.of(weight, "conv2d", "weight");
        Tensor bc = bias == null ? null : Dense.of(bias, "conv2d", "bias");
        // Tensor.empty: the kernel writes every element, and a chain's activations come back to be reused (Intermediates).
        Tensor result = Tensor.empty(g.outputShape());
        float[] out = result.data();
        Conv2dKernel.forward(g, xc.data(), xc.storageOffset(), wc.data(), wc.storageOffset(), bc == null ? null : bc.data(),
                bc == null ? 0 : bc.storageOffset(), out, 0, relu);
        int[] xShape = x.shape();
        int[] wShape = weight.shape();
        String name = relu ? "conv2d_relu" : "conv2d";
        // With the ReLU the output is saved too: the backward reads its signs, so an in-place change of it must fail.
        Tensor[] saved = relu ? new Tensor[] {x, weight, result} : new Tensor[] {x, weight};
        return GradFn.of(name, x, weight, bias).saving(saved).result(result, gradOut -> {
            Tensor go = Dense.of(gradOut, name + " backward", "output gradient");
            // Tensor.empty/zeros: the backward pass recycles these once consumed (the kernels overwrite gx).
            Tensor gxT = x.requiresGrad() ? Tensor.empty(xShape) : null;
            Tensor gwT = weight.requiresGrad() ? Tensor.zeros(wShape) : null;
            Tensor gbT = bias != null && bias.requiresGrad() ? Tensor.zeros(g.o()) : null;
            float[] gx = gxT == null ? null : gxT.data();
            float[] gw = gwT == null ? null : gwT.data();
            float[] gb = gbT == null ? null : gbT.data();
            if (relu) {
                Conv2dKernel.backwardAfterRelu(g, xc.data(), xc.storageOffset(), wc.data(), wc.storageOffset(), out, 0,
                        go.data(), go.storageOffset(), gx, 0, gw, 0, gb, 0, false);
            } else {
                Conv2dKernel.backward(g, xc.data(), xc.storageOffset(), wc.data(), wc.storageOffset(), go.data(),
                        go.storageOffset(), gx, 0, gw, 0, gb, 0, false);
            }
            return new Tensor[] {gxT, gwT, gbT};
        });
    }
}
