package io.sparkgrad.kernel;

/**
 * The loops behind batch normalisation ({@code F.batchNorm}, {@code nn.BatchNorm2d}), forward and backward, over a
 * contiguous block {@code [n, c, s]}: {@code n} samples, {@code c} channels, {@code s} values per channel and sample
 * (the product of the spatial sizes, {@code H * W} for an image batch; 1 for {@code [N, C]}).
 *
 * <p>With {@code xhat = (x - mean) * invStd} and {@code invStd = 1 / sqrt(var + eps)}, the forward is
 * {@code y = xhat * weight + bias} per channel; in training {@code mean} and {@code var} are the batch's (biased) ones,
 * in evaluation the running statistics. The statistics, {@code invStd} and every per-channel sum are kept in double,
 * and the mean is subtracted before scaling (never folded into a float shift), so a mean far larger than the spread
 * does not cancel the deviations away. A null weight means 1 and a null bias 0 ({@code affine=False}).
 *
 * <p>Work is split over channels with {@link Parallelism}; each channel is computed by one thread in a fixed order, so
 * results do not depend on the thread count.
 */
public final class BatchNorm2dKernel {
    /** The least number of values worth giving a thread. */
    private static final int GRAIN_VALUES = 1 << 15;

    private BatchNorm2dKernel() {
    }

    /**
     * Per-channel mean and biased variance of {@code x} (two passes).
     *
     * @param x input {@code [n, c, s]} from {@code xOff}
     * @param mean {@code [c]}, overwritten
     * @param var {@code [c]}, overwritten
     */
    public static void stats(int n, int c, int s, float[] x, int xOff, double[] mean, double[] var) {
        long count = check("batch_norm", n, c, s);
        Checks.range("batch_norm", "input", x, xOff, count * c);
        requireChannels("batch_norm", "mean", mean, c);
        requireChannels("batch_norm", "var", var, c);
        Parallelism.parallelFor(c, grain(count), (chunk, c0, c1) -> {
            for (int ch = c0; ch < c1; ch++) {
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
        });
    }

    /** {@code invStd[c] = 1 / sqrt(var[c] + eps)}, for {@code c} channels. */
    public static void invStd(int c, double[] var, float eps, double[] invStd) {
        requireChannels("batch_norm", "var", var, c);
        requireChannels("batch_norm", "invstd", invStd, c);
        for (int ch = 0; ch < c; ch++) {
            invStd[ch] = 1.0 / Math.sqrt(var[ch] + eps);
        }
    }

    /**
     * Folds a training batch's statistics into the running ones, in place:
     * {@code running = (1 - momentum) * running + momentum * batch}, the variance unbiased ({@code * m / (m - 1)}).
     *
     * @param runningMean {@code [c]} from {@code rmOff}, or null to leave out
     * @param runningVar {@code [c]} from {@code rvOff}, or null to leave out
     * @param count the values per channel the batch statistics came from ({@code m = n * s}), at least 2
     */
    public static void updateRunning(int c, float[] runningMean, int rmOff, float[] runningVar, int rvOff, double[] mean, double[] var,
            float momentum, long count) {
        Checks.optionalRange("batch_norm", "running_mean", runningMean, rmOff, c);
        Checks.optionalRange("batch_norm", "running_var", runningVar, rvOff, c);
        if (runningMean != null) {
            requireChannels("batch_norm", "mean", mean, c);
            for (int ch = 0; ch < c; ch++) {
                runningMean[rmOff + ch] = (float) ((1.0 - momentum) * runningMean[rmOff + ch] + momentum * mean[ch]);
            }
        }
        if (runningVar != null) {
            requireChannels("batch_norm", "var", var, c);
            double unbias = (double) count / (count - 1);
            for (int ch = 0; ch < c; ch++) {
                runningVar[rvOff + ch] = (float) ((1.0 - momentum) * runningVar[rvOff + ch] + momentum * var[ch] * unbias);
            }
        }
    }

    /**
     * {@code y = (x - mean[c]) * invStd[c] * weight[c] + bias[c]}.
     *
     * @param x input {@code [n, c, s]} from {@code xOff}
     * @param weight {@code [c]} from {@code wOff}, or null
     * @param bias {@code [c]} from {@code bOff}, or null
     * @param y output {@code [n, c, s]} from {@code yOff}, overwritten (may be {@code x})
     */
    public static void normalize(int n, int c, int s, float[] x, int xOff, double[] mean, double[] invStd, float[] weight, int wOff,
            float[] bias, int bOff, float[] y, int yOff) {
        long count = check("batch_norm", n, c, s);
        Checks.range("batch_norm", "input", x, xOff, count * c);
        requireChannels("batch_norm", "mean", mean, c);
        requireChannels("batch_norm", "invstd", invStd, c);
        Checks.optionalRange("batch_norm", "weight", weight, wOff, c);
        Checks.optionalRange("batch_norm", "bias", bias, bOff, c);
        Checks.range("batch_norm", "output", y, yOff, count * c);
        Parallelism.parallelFor(c, grain(count), (chunk, c0, c1) -> {
            for (int ch = c0; ch < c1; ch++) {
                double m = mean[ch];
                double scale = invStd[ch] * (weight == null ? 1f : weight[wOff + ch]);
                double shift = bias == null ? 0f : bias[bOff + ch];
                for (int i = 0; i < n; i++) {
                    int base = (i * c + ch) * s;
                    for (int j = 0; j < s; j++) {
                        y[yOff + base + j] = (float) ((x[xOff + base + j] - m) * scale + shift);
                    }
                }
            }
        });
    }

    /**
     * Per-channel {@code sumG = sum(gy)} and {@code sumGXhat = sum(gy * xhat)}: the bias and weight gradients, and the
     * two terms the input gradient needs in training mode.
     *
     * @param gy grad of the output {@code [n, c, s]} from {@code gyOff}
     * @param x the forward input {@code [n, c, s]} from {@code xOff}
     * @param sumG {@code [c]}, overwritten
     * @param sumGXhat {@code [c]}, overwritten
     */
    public static void gradSums(int n, int c, int s, float[] gy, int gyOff, float[] x, int xOff, double[] mean, double[] invStd,
            double[] sumG, double[] sumGXhat) {
        long count = check("batch_norm backward", n, c, s);
        Checks.range("batch_norm backward", "grad_output", gy, gyOff, count * c);
        Checks.range("batch_norm backward", "input", x, xOff, count * c);
        requireChannels("batch_norm backward", "mean", mean, c);
        requireChannels("batch_norm backward", "invstd", invStd, c);
        requireChannels("batch_norm backward", "sum of grad_output", sumG, c);
        requireChannels("batch_norm backward", "sum of grad_output * xhat", sumGXhat, c);
        Parallelism.parallelFor(c, grain(count), (chunk, c0, c1) -> {
            for (int ch = c0; ch < c1; ch++) {
                double sg = 0;
                double sgx = 0;
                double m = mean[ch];
                for (int i = 0; i < n; i++) {
                    int base = (i * c + ch) * s;
                    for (int j = 0; j < s; j++) {
                        double gv = gy[gyOff + base + j];
                        sg += gv;
                        sgx += gv * (x[xOff + base + j] - m);
                    }
                }
                sumG[ch] = sg;
                sumGXhat[ch] = sgx * invStd[ch];
            }
        });
    }

    /**
     * The input gradient, from the sums of {@link #gradSums}. Training (through the batch statistics, {@code m = n * s}):
     * {@code gx = weight * invStd * (gy - sumG / m - xhat * sumGXhat / m)}; evaluation (fixed statistics):
     * {@code gx = gy * weight * invStd}, the sums unused.
     *
     * @param gx grad of the input {@code [n, c, s]} from {@code gxOff}, overwritten
     */
    public static void backwardInput(int n, int c, int s, boolean training, float[] gy, int gyOff, float[] x, int xOff, double[] mean,
            double[] invStd, float[] weight, int wOff, double[] sumG, double[] sumGXhat, float[] gx, int gxOff) {
        long count = check("batch_norm backward", n, c, s);
        Checks.range("batch_norm backward", "grad_output", gy, gyOff, count * c);
        Checks.range("batch_norm backward", "input", x, xOff, count * c);
        requireChannels("batch_norm backward", "mean", mean, c);
        requireChannels("batch_norm backward", "invstd", invStd, c);
        Checks.optionalRange("batch_norm backward", "weight", weight, wOff, c);
        if (training) {
            requireChannels("batch_norm backward", "sum of grad_output", sumG, c);
            requireChannels("batch_norm backward", "sum of grad_output * xhat", sumGXhat, c);
        }
        Checks.range("batch_norm backward", "grad_input", gx, gxOff, count * c);
        Parallelism.parallelFor(c, grain(count), (chunk, c0, c1) -> {
            for (int ch = c0; ch < c1; ch++) {
                double k = (weight == null ? 1.0 : weight[wOff + ch]) * invStd[ch];
                double m = mean[ch];
                double meanG = training ? sumG[ch] / count : 0;
                double proj = training ? sumGXhat[ch] / count * invStd[ch] : 0;
                for (int i = 0; i < n; i++) {
                    int base = (i * c + ch) * s;
                    for (int j = 0; j < s; j++) {
                        double centred = x[xOff + base + j] - m;
                        gx[gxOff + base + j] = (float) (k * (gy[gyOff + base + j] - meanG - centred * proj));
                    }
                }
            }
        });
    }

    /** Channels per thread so that each gets at least {@link #GRAIN_VALUES} values. */
    private static int grain(long valuesPerChannel) {
        return (int) Math.max(1, GRAIN_VALUES / Math.max(1, valuesPerChannel));
    }

    /** @return {@code n * s}, the values per channel */
    private static long check(String kernel, int n, int c, int s) {
        if (n < 0 || c < 1 || s < 1) {
            throw new IllegalArgumentException(kernel + ": expected an input [n, c, s] with c, s >= 1, got [" + n + ", " + c + ", " + s + "]");
        }
        return (long) n * s;
    }

    private static void requireChannels(String kernel, String operand, double[] arr, int c) {
        if (arr == null || arr.length < c) {
            throw new IllegalArgumentException(kernel + ": " + operand + " must hold " + c + " values (one per channel) but "
                    + (arr == null ? "is null" : "has " + arr.length));
        }
    }
}
