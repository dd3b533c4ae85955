// Batch normalisation (BatchNorm2d, and BatchNorm1d on [N, C]) over a contiguous [n, c, s] block, s the values per
// channel and sample (H * W). Per-channel statistics and gradient sums take one block per channel and reduce in a fixed
// order (no atomics), so results do not depend on scheduling; the elementwise passes take one thread per value. The
// mean is subtracted before scaling, as io.sparkgrad.kernel.BatchNorm2dKernel does (which keeps its sums in double: the
// two agree within float32 summation-order tolerance).
#include "common.cuh"

// The k-th value (k < n * s) of channel ch: sample k / s, position k % s.
__device__ __forceinline__ size_t bn_at(int k, int ch, int c, int s) {
    return ((size_t) (k / s) * c + ch) * s + k % s;
}

// Training statistics: mean[ch], the biased var[ch] (two passes) and invstd[ch] = 1 / sqrt(var + eps).
extern "C" __global__ void batch_norm_stats_f32(const float* x, float* mean, float* var, float* invstd, int n, int c, int s,
                                                float eps) {
    DYNAMIC_SHARED(float, shared);
    int m = n * s;
    for (int ch = blockIdx.x; ch < c; ch += gridDim.x) {
        float sum = 0.0f;
        for (int k = threadIdx.x; k < m; k += blockDim.x) {
            sum += x[bn_at(k, ch, c, s)];
        }
        float mu = block_sum(sum, shared) / (float) m;
        float sq = 0.0f;
        for (int k = threadIdx.x; k < m; k += blockDim.x) {
            float d = x[bn_at(k, ch, c, s)] - mu;
            sq += d * d;
        }
        float v = block_sum(sq, shared) / (float) m;
        if (threadIdx.x == 0) {
            mean[ch] = mu;
            var[ch] = v;
            invstd[ch] = 1.0f / sqrtf(v + eps);
        }
    }
}

// Evaluation: invstd[ch] = 1 / sqrt(running_var[ch] + eps).
extern "C" __global__ void batch_norm_invstd_f32(const float* var, float* invstd, int c, float eps) {
    FOR_EACH(ch, c) {
        invstd[ch] = 1.0f / sqrtf(var[ch] + eps);
    }
}

// running = (1 - momentum) * running + momentum * batch, the batch variance unbiased by unbias = m / (m - 1).
extern "C" __global__ void batch_norm_update_running_f32(float* running_mean, float* running_var, const float* mean,
                                                         const float* var, int c, float momentum, float unbias) {
    FOR_EACH(ch, c) {
        running_mean[ch] = (1.0f - momentum) * running_mean[ch] + momentum * mean[ch];
        running_var[ch] = (1.0f - momentum) * running_var[ch] + momentum * var[ch] * unbias;
    }
}

// y = (x - mean[ch]) * (invstd[ch] * weight[ch]) + bias[ch].
extern "C" __global__ void batch_norm_forward_f32(const float* x, const float* mean, const float* invstd, const float* weight,
                                                  const float* bias, float* y, int n, int c, int s) {
    int total = n * c * s;
    FOR_EACH(i, total) {
        int ch = (i / s) % c;
        y[i] = (x[i] - mean[ch]) * (invstd[ch] * weight[ch]) + bias[ch];
    }
}

// sum_g[ch] = sum of gy (the bias gradient); sum_gxhat[ch] = sum of gy * (x - mean) * invstd (the weight gradient).
extern "C" __global__ void batch_norm_backward_sums_f32(const float* gy, const float* x, const float* mean, const float* invstd,
                                                        float* sum_g, float* sum_gxhat, int n, int c, int s) {
    DYNAMIC_SHARED(float, shared);
    int m = n * s;
    for (int ch = blockIdx.x; ch < c; ch += gridDim.x) {
        float mu = mean[ch];
        float g = 0.0f;
        float gx = 0.0f;
        for (int k = threadIdx.x; k < m; k += blockDim.x) {
            size_t i = bn_at(k, ch, c, s);
            g += gy[i];
            gx += gy[i] * (x[i] - mu);
        }
        g = block_sum(g, shared);
        gx = block_sum(gx, shared);
        if (threadIdx.x == 0) {
            sum_g[ch] = g;
            sum_gxhat[ch] = gx * invstd[ch];
        }
    }
}

// The input gradient. Training (through the batch statistics, m = n * s):
//   gx = weight * invstd * (gy - sum_g / m - (x - mean) * invstd * sum_gxhat / m);
// evaluation (fixed statistics): gx = gy * weight * invstd, the sums unread.
extern "C" __global__ void batch_norm_backward_input_f32(const float* gy, const float* x, const float* mean, const float* invstd,
                                                         const float* weight, const float* sum_g, const float* sum_gxhat,
                                                         float* gx, int n, int c, int s, int training) {
    int total = n * c * s;
    float m = (float) n * s;
    FOR_EACH(i, total) {
        int ch = (i / s) % c;
        float k = weight[ch] * invstd[ch];
        if (training) {
            float proj = sum_gxhat[ch] / m * invstd[ch];
            gx[i] = k * (gy[i] - sum_g[ch] / m - (x[i] - mean[ch]) * proj);
        } else {
            gx[i] = k * gy[i];
        }
    }
}
