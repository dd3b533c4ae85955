package io.sparkgrad.nn;

import io.sparkgrad.kernel.BiasKernel;
import io.sparkgrad.kernel.Gemm;
import io.sparkgrad.tensor.CudaFunctions;
import io.sparkgrad.tensor.GradFn;
import io.sparkgrad.tensor.Tensor;

/**
 * {@code linear} on a 2-D input as one op with its backward beside it, as PyTorch's {@code addmm}: {@code y = x W^T + b}
 * is one GEMM over the bias-filled output, and the backward writes each gradient in its parameter's own layout with
 * one GEMM each ({@code gx = g W}, {@code gW = g^T x}) and a column sum for the bias.
 *
 * <p>Why not {@code x.matmul(W.t()).add(b)}: the weight's gradient then comes out of the transpose's backward as a
 * transposed view, which every accumulation into a (flat, contiguous) gradient buffer had to gather element by
 * element: for the 200 K-weight layer of the MNIST CNN that gather cost more than the layer's GEMMs.
 */
final class FullyConnected {
    private FullyConnected() {
    }

    /**
     * @param x      {@code [n, in]}
     * @param weight {@code [out, in]}
     * @param bias   {@code [out]} or null
     */
    static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        if (CudaFunctions.onCuda("linear", x, weight, bias)) {
            return CudaFunctions.linear(x, weight, bias);
        }
        int n = x.size(0);
        int in = x.size(1);
        int out = weight.size(0);
        Tensor xc = Dense.of(x, "linear", "input");
        Tensor wc = Dense.of(weight, "linear", "weight");
        Tensor bc = bias == null ? null : Dense.of(bias, "linear", "bias");
        // Tensor.zeros (not new arrays): a chain's activations and a backward pass's gradients come back for reuse.
        Tensor result = Tensor.zeros(n, out);
        float[] y = result.data();
        if (bc != null) {
            BiasKernel.addRows(n, out, bc.data(), bc.storageOffset(), y, 0);
        }
        Gemm.sgemm(false, true, n, out, in, 1f, xc.data(), xc.storageOffset(), in, wc.data(), wc.storageOffset(), in,
                bc == null ? 0f : 1f, y, 0, out);
        return GradFn.of("linear", x, weight, bias).saving(x, weight).result(result, gradOut -> {
            Tensor g = Dense.of(gradOut, "linear backward", "output gradient");
            float[] gd = g.data();
            int gOff = g.storageOffset();
            Tensor gx = null;
            Tensor gw = null;
            Tensor gb = null;
            if (x.requiresGrad()) {
                gx = Tensor.zeros(n, in);
                Gemm.sgemm(false, false, n, in, out, 1f, gd, gOff, out, wc.data(), wc.storageOffset(), in, 0f, gx.data(), 0, in);
            }
            if (weight.requiresGrad()) {
                gw = Tensor.zeros(out, in);
                Gemm.sgemm(true, false, out, in, n, 1f, gd, gOff, out, xc.data(), xc.storageOffset(), in, 0f, gw.data(), 0, in);
            }
            if (bias != null && bias.requiresGrad()) {
                gb = Tensor.zeros(out);
                BiasKernel.sumRows(n, out, gd, gOff, gb.data(), 0, false);
            }
            return new Tensor[] {gx, gw, gb};
        });
    }
}
