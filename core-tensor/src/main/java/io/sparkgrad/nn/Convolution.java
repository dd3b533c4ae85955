package io.sparkgrad.nn;

import io.sparkgrad.tensor.GradFn;
import io.sparkgrad.tensor.Shape;
import io.sparkgrad.tensor.Tensor;

/** {@code conv2d} with its backward rule beside it; the loops are in {@link SpatialOps}. */
final class Convolution {
    private Convolution() {
    }

    static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        if (x.dim() == 3) {
            // An unbatched [C, H, W] image, as PyTorch accepts: run it as a batch of one.
            return conv2d(x.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0);
        }
        if (x.dim() != 4) {
            throw new IllegalArgumentException("Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: "
                    + Shape.format(x.shape()));
        }
        ConvGeometry g = ConvGeometry.of(x.shape(), weight.shape(), Dense.pair(stride, "conv2d", "stride"),
                Dense.pair(padding, "conv2d", "padding"), Dense.pair(dilation, "conv2d", "dilation"), groups);
        if (bias != null && (bias.dim() != 1 || bias.size(0) != g.outC())) {
            throw new IllegalArgumentException("Given weight of size " + Shape.format(weight.shape()) + ", expected bias to be 1-dimensional with "
                    + g.outC() + " elements, but got bias of size " + Shape.format(bias.shape()) + " instead");
        }
        Tensor xc = Dense.of(x, "conv2d", "input");
        Tensor wc = Dense.of(weight, "conv2d", "weight");
        Tensor bc = bias == null ? null : Dense.of(bias, "conv2d", "bias");
        float[] out = new float[Shape.numel(g.outputShape())];
        SpatialOps.conv2dForward(g, xc.data(), xc.storageOffset(), wc.data(), wc.storageOffset(), bc == null ? null : bc.data(),
                bc == null ? 0 : bc.storageOffset(), out, 0);
        Tensor result = Tensor.of(out, g.outputShape());
        int[] xShape = x.shape();
        int[] wShape = weight.shape();
        return GradFn.of("conv2d", x, weight, bias).saving(x, weight).result(result, gradOut -> {
            Tensor go = Dense.of(gradOut, "conv2d backward", "output gradient");
            Tensor gx = null;
            Tensor gw = null;
            Tensor gb = null;
            if (x.requiresGrad()) {
                float[] a = new float[Shape.numel(xShape)];
                SpatialOps.conv2dBackwardInput(g, go.data(), go.storageOffset(), wc.data(), wc.storageOffset(), a, 0);
                gx = Tensor.of(a, xShape);
            }
            if (weight.requiresGrad()) {
                float[] a = new float[Shape.numel(wShape)];
                SpatialOps.conv2dBackwardWeight(g, go.data(), go.storageOffset(), xc.data(), xc.storageOffset(), a, 0);
                gw = Tensor.of(a, wShape);
            }
            if (bias != null && bias.requiresGrad()) {
                float[] a = new float[g.outC()];
                SpatialOps.conv2dBackwardBias(g, go.data(), go.storageOffset(), a, 0);
                gb = Tensor.of(a, g.outC());
            }
            return new Tensor[] {gx, gw, gb};
        });
    }
}
