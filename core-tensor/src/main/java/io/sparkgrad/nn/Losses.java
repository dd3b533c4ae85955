package io.sparkgrad.nn;

import io.sparkgrad.tensor.CudaFunctions;
import io.sparkgrad.tensor.GradFn;
import io.sparkgrad.tensor.Shape;
import io.sparkgrad.tensor.Tensor;
import java.util.Arrays;

/** Softmax-family ops and losses with fused, numerically stable forward and backward passes. */
final class Losses {
    private Losses() {
    }

    /** {@code x - logsumexp(x, dim)}, computed with the max subtracted; backward {@code g - softmax * sum(g)}. */
    static Tensor logSoftmax(Tensor x, int dim) {
        if (CudaFunctions.onCuda("log_softmax", x)) {
            return CudaFunctions.logSoftmax(x, dim);
        }
        int[] shape = x.shape();
        Shape.Split split = Shape.split(shape, dim);
        int outer = split.outer();
        int inner = split.inner();
        int n = split.size();
        float[] in = Dense.rowMajor(x);
        // Tensor.empty: every element is written, and F.crossEntropy hands it back for reuse (Intermediates).
        Tensor result = Tensor.empty(shape);
        float[] out = result.data();
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int base = o * n * inner + i;
                float max = Float.NEGATIVE_INFINITY;
                for (int k = 0; k < n; k++) {
                    max = Math.max(max, in[base + k * inner]);
                }
                double sum = 0;
                for (int k = 0; k < n; k++) {
                    sum += Math.exp(in[base + k * inner] - max);
                }
                float lse = (float) (max + Math.log(sum));
                for (int k = 0; k < n; k++) {
                    out[base + k * inner] = in[base + k * inner] - lse;
                }
            }
        }
        int fo = outer;
        int fi = inner;
        return GradFn.of("log_softmax", x).saving(result).result(result, g -> {
            float[] gd = Dense.rowMajor(g);
            Tensor gxT = Tensor.empty(shape);
            float[] gx = gxT.data();
            for (int o = 0; o < fo; o++) {
                for (int i = 0; i < fi; i++) {
                    int base = o * n * fi + i;
                    double gs = 0;
                    for (int k = 0; k < n; k++) {
                        gs += gd[base + k * fi];
                    }
                    for (int k = 0; k < n; k++) {
                        int p = base + k * fi;
                        gx[p] = (float) (gd[p] - Math.exp(out[p]) * gs);
                    }
                }
            }
            return new Tensor[] {gxT};
        });
    }

    /** Negative log-likelihood of {@code target} classes under log-probabilities {@code logp [N, C]}. */
    static Tensor nllLoss(Tensor logp, Tensor target, Reduction reduction) {
        if (logp.dim() != 2 || target.dim() != 1 || target.size(0) != logp.size(0)) {
            throw new IllegalArgumentException("nll_loss expects input [N, C] and target [N], got " + Shape.format(logp.shape()) + " and "
                    + Shape.format(target.shape()));
        }
        if (CudaFunctions.onCuda("nll_loss", logp, target)) {
            return CudaFunctions.nllLoss(logp, target, switch (reduction) {
                case NONE -> 0;
                case MEAN -> 1;
                case SUM -> 2;
            });
        }
        int n = logp.size(0);
        int c = logp.size(1);
        int[] t = target.toIntArray();
        float[] lp = Dense.rowMajor(logp);
        float[] per = new float[n];
        double total = 0;
        for (int i = 0; i < n; i++) {
            if (t[i] < 0 || t[i] >= c) {
                throw new IndexOutOfBoundsException("Target " + t[i] + " is out of bounds for " + c + " classes (sample " + i + ")");
            }
            per[i] = -lp[i * c + t[i]];
            total += per[i];
        }
        Tensor result = switch (reduction) {
            case MEAN -> Tensor.scalar((float) (total / n));
            case SUM -> Tensor.scalar((float) total);
            case NONE -> Tensor.of(per, n);
        };
        int[] shape = logp.shape();
        return GradFn.of("nll_loss", logp).result(result, g -> {
            Tensor gxT = Tensor.zeros(shape);
            float[] gx = gxT.data();
            float[] gd = g.toFloatArray();
            for (int i = 0; i < n; i++) {
                float gi = switch (reduction) {
                    case MEAN -> gd[0] / n;
                    case SUM -> gd[0];
                    case NONE -> gd[i];
                };
                gx[i * c + t[i]] = -gi;
            }
            return new Tensor[] {gxT};
        });
    }

    /** Mean (or summed) squared error; both inputs are differentiated. */
    static Tensor mseLoss(Tensor input, Tensor target, Reduction reduction) {
        if (!Arrays.equals(input.shape(), target.shape())) {
            throw new IllegalArgumentException("mse_loss: input of shape " + Shape.format(input.shape()) + " and target of shape "
                    + Shape.format(target.shape()) + " differ");
        }
        Tensor d = input.sub(target);
        // The same values: pow(2) squares by multiplying; the device has mul but no pow.
        Tensor sq = CudaFunctions.onCuda("mse_loss", d) ? d.mul(d) : d.pow(2f);
        return switch (reduction) {
            case MEAN -> sq.mean();
            case SUM -> sq.sum();
            case NONE -> sq;
        };
    }
}
