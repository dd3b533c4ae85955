package io.sparkgrad.kernel;

/**
 * Batch normalisation over the channels of an NCHW block {@code [n, c, hw]} ({@code hw = H * W}), as PyTorch's
 * {@code F.batch_norm}: {@code y = (x - mean) / sqrt(var + eps) * weight + bias} per channel.
 *
 * <p>Training mode uses the batch's mean and biased variance over {@code n * hw} values, updates the running
 * statistics with {@code running = (1 - momentum) * running + momentum * stat}, where the variance fed to the
 * running estimate is the unbiased one ({@code * m / (m - 1)}, {@code m = n * hw}), and saves the mean and
 * {@code 1 / sqrt(var + eps)} for the backward. Eval mode uses the running statistics. Sums are taken in double
 * precision. Work is split over channels with {@link Parallelism}. A null weight means 1 and a null bias 0
 * ({@code affine=False}).
 */
public final class BatchNorm2dKernel {

    private BatchNorm2dKernel() {
    }

    /**
     * Training-mode forward.
     *
     * @param x input {@code [n, c, hw]}
     * @param weight {@code [c]} or null
     * @param bias {@code [c]} or null
     * @param runningMean {@code [c]}, updated in place, or null to skip the update (then runningVar must be null too)
     * @param runningVar {@code [c]}, updated in place, or null
     * @param momentum weight of the new batch statistic in the running average (PyTorch's default 0.1)
     * @param eps added to the variance (PyTorch's default 1e-5)
     * @param y output {@code [n, c, hw]}, overwritten (may be {@code x})
     * @param saveMean {@code [c]}: receives the batch mean
     * @param saveInvStd {@code [c]}: receives {@code 1 / sqrt(biased var + eps)}
     * @throws IllegalArgumentException if a channel has a single value ({@code n * hw == 1}), as PyTorch refuses it
     */
    public static void forwardTraining(int n, int c, int hw, float[] x, int xOff, float[] weight, int wOff,
            float[] bias, int bOff, float[] runningMean, int rmOff, float[] runningVar, int rvOff, float momentum,
            float eps, float[] y, int yOff, float[] saveMean, int smOff, float[] saveInvStd, int sisOff) {
        check(n, c, hw);
        long count = (long) n * hw;
        if (count <= 1) {
            throw new IllegalArgumentException("batch_norm: expected more than 1 value per channel when training, got "
                    + "input [" + n + ", " + c + ", " + hw + "]");
        }
        long size = count * c;
        Checks.range("batch_norm", "input", x, xOff, size);
        Checks.optionalRange("batch_norm", "weight", weight, wOff, c);
        Checks.optionalRange("batch_norm", "bias", bias, bOff, c);
        Checks.optionalRange("batch_norm", "running_mean", runningMean, rmOff, c);
        Checks.optionalRange("batch_norm", "running_var", runningVar, rvOff, c);
        Checks.range("batch_norm", "output", y, yOff, size);
        Checks.range("batch_norm", "save_mean", saveMean, smOff, c);
        Checks.range("batch_norm", "save_invstd", saveInvStd, sisOff, c);
        Parallelism.parallelFor(c, 1, (chunk, c0, c1) -> {
            for (int ch = c0; ch < c1; ch++) {
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    int base = xOff + (i * c + ch) * hw;
                    for (int q = 0; q < hw; q++) {
                        sum += x[base + q];
                    }
                }
                double mean = sum / count;
                double sq = 0;
                for (int i = 0; i < n; i++) {
                    int base = xOff + (i * c + ch) * hw;
                    for (int q = 0; q < hw; q++) {
                        double d = x[base + q] - mean;
                        sq += d * d;
                    }
                }
                double var = sq / count;
                double invStd = 1.0 / Math.sqrt(var + eps);
                saveMean[smOff + ch] = (float) mean;
                saveInvStd[sisOff + ch] = (float) invStd;
                if (runningMean != null) {
                    runningMean[rmOff + ch] = (float) ((1 - momentum) * runningMean[rmOff + ch] + momentum * mean);
                }
                if (runningVar != null) {
                    double unbiased = sq / (count - 1);
                    runningVar[rvOff + ch] = (float) ((1 - momentum) * runningVar[rvOff + ch] + momentum * unbiased);
                }
                normalize(n, c, hw, ch, x, xOff, y, yOff, (float) mean, (float) invStd, weight, wOff, bias, bOff);
            }
        });
    }

    /**
     * Eval-mode forward with the running statistics.
     *
     * @param x input {@code [n, c, hw]}
     * @param y output {@code [n, c, hw]}, overwritten (may be {@code x})
     */
    public static void forwardEval(int n, int c, int hw, float[] x, int xOff, float[] weight, int wOff, float[] bias,
            int bOff, float[] runningMean, int rmOff, float[] runningVar, int rvOff, float eps, float[] y, int yOff) {
        check(n, c, hw);
        long size = (long) n * c * hw;
        Checks.range("batch_norm", "input", x, xOff, size);
        Checks.optionalRange("batch_norm", "weight", weight, wOff, c);
        Checks.optionalRange("batch_norm", "bias", bias, bOff, c);
        Checks.range("batch_norm", "running_mean", runningMean, rmOff, c);
        Checks.range("batch_norm", "running_var", runningVar, rvOff, c);
        Checks.range("batch_norm", "output", y, yOff, size);
        Parallelism.parallelFor(c, 1, (chunk, c0, c1) -> {
            for (int ch = c0; ch < c1; ch++) {
                float invStd = (float) (1.0 / Math.sqrt((double) runningVar[rvOff + ch] + eps));
                normalize(n, c, hw, ch, x, xOff, y, yOff, runningMean[rmOff + ch], invStd, weight, wOff, bias, bOff);
            }
        });
    }

    private static void normalize(int n, int c, int hw, int ch, float[] x, int xOff, float[] y, int yOff, float mean,
            float invStd, float[] weight, int wOff, float[] bias, int bOff) {
        float scale = invStd * (weight == null ? 1f : weight[wOff + ch]);
        float shift = (bias == null ? 0f : bias[bOff + ch]) - mean * scale;
        for (int i = 0; i < n; i++) {
            int base = (i * c + ch) * hw;
            for (int q = 0; q < hw; q++) {
                y[yOff + base + q] = x[xOff + base + q] * scale + shift;
            }
        }
    }

    /**
     * Training-mode backward through the batch statistics, from the values {@link #forwardTraining} saved. With
     * {@code xhat = (x - mean) * invStd} and {@code m = n * hw}: {@code gb = sum gy}, {@code gw = sum gy * xhat},
     * {@code gx = weight * invStd / m * (m * gy - gb - xhat * gw)}.
     *
     * @param x the forward input {@code [n, c, hw]}
     * @param gy grad of the output {@code [n, c, hw]}
     * @param weight {@code [c]} or null (1)
     * @param gx grad of the input, or null to skip
     * @param gw grad of the weight {@code [c]}, or null to skip
     * @param gb grad of the bias {@code [c]}, or null to skip
     * @param accumulate add into the gradients instead of overwriting them
     */
    public static void backwardTraining(int n, int c, int hw, float[] x, int xOff, float[] gy, int gyOff,
            float[] weight, int wOff, float[] saveMean, int smOff, float[] saveInvStd, int sisOff, float[] gx,
            int gxOff, float[] gw, int gwOff, float[] gb, int gbOff, boolean accumulate) {
        check(n, c, hw);
        long count = (long) n * hw;
        long size = count * c;
        Checks.range("batch_norm backward", "input", x, xOff, size);
        Checks.range("batch_norm backward", "grad_output", gy, gyOff, size);
        Checks.optionalRange("batch_norm backward", "weight", weight, wOff, c);
        Checks.range("batch_norm backward", "save_mean", saveMean, smOff, c);
        Checks.range("batch_norm backward", "save_invstd", saveInvStd, sisOff, c);
        Checks.optionalRange("batch_norm backward", "grad_input", gx, gxOff, size);
        Checks.optionalRange("batch_norm backward", "grad_weight", gw, gwOff, c);
        Checks.optionalRange("batch_norm backward", "grad_bias", gb, gbOff, c);
        Parallelism.parallelFor(c, 1, (chunk, c0, c1) -> {
            for (int ch = c0; ch < c1; ch++) {
                float mean = saveMean[smOff + ch];
                float invStd = saveInvStd[sisOff + ch];
                double sumGy = 0;
                double sumGyXhat = 0;
                for (int i = 0; i < n; i++) {
                    int base = (i * c + ch) * hw;
                    for (int q = 0; q < hw; q++) {
                        float g = gy[gyOff + base + q];
                        sumGy += g;
                        sumGyXhat += g * ((x[xOff + base + q] - mean) * invStd);
                    }
                }
                if (gb != null) {
                    gb[gbOff + ch] = (float) (accumulate ? gb[gbOff + ch] + sumGy : sumGy);
                }
                if (gw != null) {
                    gw[gwOff + ch] = (float) (accumulate ? gw[gwOff + ch] + sumGyXhat : sumGyXhat);
                }
                if (gx != null) {
                    float w = weight == null ? 1f : weight[wOff + ch];
                    float k = w * invStd;
                    float meanGy = (float) (sumGy / count);
                    float meanGyXhat = (float) (sumGyXhat / count);
                    for (int i = 0; i < n; i++) {
                        int base = (i * c + ch) * hw;
                        for (int q = 0; q < hw; q++) {
                            float xhat = (x[xOff + base + q] - mean) * invStd;
                            float v = k * (gy[gyOff + base + q] - meanGy - xhat * meanGyXhat);
                            gx[gxOff + base + q] = accumulate ? gx[gxOff + base + q] + v : v;
                        }
                    }
                }
            }
        });
    }

    /**
     * Eval-mode backward (the statistics are constants): {@code gx = gy * weight / sqrt(runningVar + eps)},
     * {@code gw = sum gy * (x - runningMean) / sqrt(runningVar + eps)}, {@code gb = sum gy}. Any gradient may be
     * null to skip it.
     *
     * @param accumulate add into the gradients instead of overwriting them
     */
    public static void backwardEval(int n, int c, int hw, float[] x, int xOff, float[] gy, int gyOff, float[] weight,
            int wOff, float[] runningMean, int rmOff, float[] runningVar, int rvOff, float eps, float[] gx, int gxOff,
            float[] gw, int gwOff, float[] gb, int gbOff, boolean accumulate) {
        check(n, c, hw);
        float[] mean = new float[c];
        float[] invStd = new float[c];
        Checks.range("batch_norm backward", "running_mean", runningMean, rmOff, c);
        Checks.range("batch_norm backward", "running_var", runningVar, rvOff, c);
        for (int ch = 0; ch < c; ch++) {
            mean[ch] = runningMean[rmOff + ch];
            invStd[ch] = (float) (1.0 / Math.sqrt((double) runningVar[rvOff + ch] + eps));
        }
        long size = (long) n * c * hw;
        Checks.range("batch_norm backward", "input", x, xOff, size);
        Checks.range("batch_norm backward", "grad_output", gy, gyOff, size);
        Checks.optionalRange("batch_norm backward", "weight", weight, wOff, c);
        Checks.optionalRange("batch_norm backward", "grad_input", gx, gxOff, size);
        Checks.optionalRange("batch_norm backward", "grad_weight", gw, gwOff, c);
        Checks.optionalRange("batch_norm backward", "grad_bias", gb, gbOff, c);
        Parallelism.parallelFor(c, 1, (chunk, c0, c1) -> {
            for (int ch = c0; ch < c1; ch++) {
                float k = invStd[ch] * (weight == null ? 1f : weight[wOff + ch]);
                double sumGy = 0;
                double sumGyXhat = 0;
                for (int i = 0; i < n; i++) {
                    int base = (i * c + ch) * hw;
                    for (int q = 0; q < hw; q++) {
                        float g = gy[gyOff + base + q];
                        sumGy += g;
                        sumGyXhat += g * ((x[xOff + base + q] - mean[ch]) * invStd[ch]);
                        if (gx != null) {
                            gx[gxOff + base + q] = accumulate ? gx[gxOff + base + q] + g * k : g * k;
                        }
                    }
                }
                if (gb != null) {
                    gb[gbOff + ch] = (float) (accumulate ? gb[gbOff + ch] + sumGy : sumGy);
                }
                if (gw != null) {
                    gw[gwOff + ch] = (float) (accumulate ? gw[gwOff + ch] + sumGyXhat : sumGyXhat);
                }
            }
        });
    }

    private static void check(int n, int c, int hw) {
        if (n < 0 || c < 1 || hw < 1) {
            throw new IllegalArgumentException("batch_norm: expected input [n, c, H*W] with c, H*W >= 1, got [" + n
                    + ", " + c + ", " + hw + "]");
        }
    }
}
