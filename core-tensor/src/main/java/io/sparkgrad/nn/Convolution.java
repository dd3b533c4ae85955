package io.sparkgrad.nn;

import io.sparkgrad.kernel.Conv2dGeometry;
import io.sparkgrad.kernel.Conv2dKernel;
import io.sparkgrad.tensor.GradFn;
import io.sparkgrad.tensor.Shape;
import io.sparkgrad.tensor.Tensor;

/** {@code conv2d} with its backward rule beside it; the arithmetic is {@link Conv2dKernel}'s. */
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
        Conv2dGeometry kg = new Conv2dGeometry(g.n(), g.c(), g.h(), g.w(), g.outC(), g.kH(), g.kW(), g.sH(), g.sW(), g.pH(), g.pW(),
                g.dH(), g.dW(), g.groups());
        float[] out = new float[Shape.numel(g.outputShape())];
        Conv2dKernel.forward(kg, xc.data(), xc.storageOffset(), wc.data(), wc.storageOffset(), bc == null ? null : bc.data(),
                bc == null ? 0 : bc.storageOffset(), out, 0);
        Tensor result = Tensor.of(out, g.outputShape());
        int[] xShape = x.shape();
        int[] wShape = weight.shape();
        return GradFn.of("conv2d", x, weight, bias).saving(x, weight).result(result, gradOut -> {
            Tensor go = Dense.of(gradOut, "conv2d backward", "output gradient");
            float[] gx = x.requiresGrad() ? new float[Shape.numel(xShape)] : null;
            float[] gw = weight.requiresGrad() ? new float[Shape.numel(wShape)] : null;
            float[] gb = bias != null && bias.requiresGrad() ? new float[g.outC()] : null;
            Conv2dKernel.backward(kg, xc.data(), xc.storageOffset(), wc.data(), wc.storageOffset(), go.data(), go.storageOffset(),
                    gx, 0, gw, 0, gb, 0, false);
            return new Tensor[] {gx == null ? null : Tensor.of(gx, xShape), gw == null ? null : Tensor.of(gw, wShape),
                    gb == null ? null : Tensor.of(gb, g.outC())};
        });
    }
}
