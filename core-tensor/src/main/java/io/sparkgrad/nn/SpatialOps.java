package io.sparkgrad.nn;

/**
 * The raw float[] loops behind F's batch normalisation, forward and backward (convolution and pooling run on the
 * {@code io.sparkgrad.kernel} kernels). No autograd and no allocation per element; every array comes with the offset
 * of its first element and holds a contiguous {@code [n, c, spatial]} block. Statistics are kept in double so that a
 * large mean does not cancel the variance away.
 */
final class SpatialOps {
    private SpatialOps() {
    }

    /**
     * Per-channel mean and biased variance of {@code x} viewed as {@code [n, c, s]}, in double (two passes, so large
     * means do not cancel the variance away).
     */
    static void batchNormStats(int n, int c, int s, float[] x, int xOff, double[] mean, double[] var) {
        long count = (long) n * s;
        for (int ch = 0; ch < c; ch++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                int base = xOff + (i * c + ch) * s;
                for (int j = 0; j < s; j++) {
                    sum += x[base + j];
                }
            }
            double m = sum / count;
            double sq = 0;
            for (int i = 0; i < n; i++) {
                int base = xOff + (i * c + ch) * s;
                for (int j = 0; j < s; j++) {
                    double d = x[base + j] - m;
                    sq += d * d;
                }
            }
            mean[ch] = m;
            var[ch] = sq / count;
        }
    }

    /**
     * {@code out = (x - mean[c]) * invStd[c] * weight[c] + bias[c]}; a null weight is 1, a null bias 0. The mean is
     * subtracted first and in double (not folded into a float shift), so a mean far larger than the spread does not
     * cancel the deviations away.
     */
    static void batchNormApply(int n, int c, int s, float[] x, int xOff, double[] mean, double[] invStd, float[] weight, int wOff,
            float[] bias, int bOff, float[] out) {
        for (int ch = 0; ch < c; ch++) {
            double m = mean[ch];
            double scale = invStd[ch] * (weight == null ? 1f : weight[wOff + ch]);
            double shift = bias == null ? 0f : bias[bOff + ch];
            for (int i = 0; i < n; i++) {
                int base = (i * c + ch) * s;
                for (int j = 0; j < s; j++) {
                    out[base + j] = (float) ((x[xOff + base + j] - m) * scale + shift);
                }
            }
        }
    }

    /**
     * Per-channel {@code sum(g)} and {@code sum(g * xhat)} with {@code xhat = (x - mean) * invStd}: the bias and weight
     * gradients, and the two terms the input gradient needs in training mode.
     */
    static void batchNormGradSums(int n, int c, int s, float[] g, int gOff, float[] x, int xOff, double[] mean, double[] invStd,
            double[] sumG, double[] sumGXhat) {
        for (int ch = 0; ch < c; ch++) {
            double sg = 0;
            double sgx = 0;
            double m = mean[ch];
            for (int i = 0; i < n; i++) {
                int base = (i * c + ch) * s;
                for (int j = 0; j < s; j++) {
                    double gv = g[gOff + base + j];
                    sg += gv;
                    sgx += gv * (x[xOff + base + j] - m);
                }
            }
            sumG[ch] = sg;
            sumGXhat[ch] = sgx * invStd[ch];
        }
    }

    /**
     * The input gradient. Training (batch statistics):
     * {@code gx = w * invStd / cnt * (cnt*g - sum(g) - xhat * sum(g*xhat))}; evaluation (fixed statistics):
     * {@code gx = g * w * invStd}.
     */
    static void batchNormBackwardInput(int n, int c, int s, boolean training, float[] g, int gOff, float[] x, int xOff,
            double[] mean, double[] invStd, float[] weight, int wOff, double[] sumG, double[] sumGXhat, float[] gx) {
        double count = (double) n * s;
        for (int ch = 0; ch < c; ch++) {
            double w = weight == null ? 1.0 : weight[wOff + ch];
            double k = w * invStd[ch];
            double m = mean[ch];
            double meanG = training ? sumG[ch] / count : 0;
            double proj = training ? sumGXhat[ch] / count * invStd[ch] : 0;
            for (int i = 0; i < n; i++) {
                int base = (i * c + ch) * s;
                for (int j = 0; j < s; j++) {
                    double centred = x[xOff + base + j] - m;
                    gx[base + j] = (float) (k * (g[gOff + base + j] - meanG - centred * proj));
                }
            }
        }
    }
}
