// softmax / log_softmax over the last dimension of [rows, cols], their gradients, and cross-entropy pieces.
#include "common.cuh"

// One block per row; log != 0 gives log_softmax. Subtracts the row maximum first, as PyTorch does.
extern "C" __global__ void softmax_rows_f32(const float* x, float* y, int rows, int cols, int log) {
    DYNAMIC_SHARED(float, shared);
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* in = x + (size_t) r * cols;
        float* out = y + (size_t) r * cols;
        float m = -INFINITY;
        for (int c = threadIdx.x; c < cols; c += blockDim.x) {
            m = fmaxf(m, in[c]);
        }
        m = block_max(m, shared);
        float s = 0.0f;
        for (int c = threadIdx.x; c < cols; c += blockDim.x) {
            s += expf(in[c] - m);
        }
        s = block_sum(s, shared);
        float logS = logf(s);
        for (int c = threadIdx.x; c < cols; c += blockDim.x) {
            out[c] = log ? in[c] - m - logS : expf(in[c] - m) / s;
        }
    }
}

// From the forward output y and its gradient gy: softmax gx = y * (gy - sum(gy * y)); log_softmax gx = gy - exp(y) * sum(gy).
extern "C" __global__ void softmax_backward_rows_f32(const float* y, const float* gy, float* gx, int rows, int cols, int log) {
    DYNAMIC_SHARED(float, shared);
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        size_t base = (size_t) r * cols;
        float s = 0.0f;
        for (int c = threadIdx.x; c < cols; c += blockDim.x) {
            s += log ? gy[base + c] : gy[base + c] * y[base + c];
        }
        s = block_sum(s, shared);
        for (int c = threadIdx.x; c < cols; c += blockDim.x) {
            float yc = y[base + c];
            gx[base + c] = log ? gy[base + c] - expf(yc) * s : yc * (gy[base + c] - s);
        }
    }
}

// loss[r] = -logp[r, target[r]]: the per-sample negative log-likelihood (the host sums or averages; workers send sums).
// A target outside [0, cols) writes NaN, which the host checks for: a bad label is an error, never a silent 0.
extern "C" __global__ void nll_rows_f32(const float* logp, const int* target, float* loss, int rows, int cols) {
    FOR_EACH(r, rows) {
        int t = target[r];
        loss[r] = (t >= 0 && t < cols) ? -logp[(size_t) r * cols + t] : __int_as_float(0x7fc00000);
    }
}

// Fused gradient of cross_entropy(logits) = nll(log_softmax(logits)): g = (exp(logp) - onehot(target)) * scale[0],
// where scale[0] is the incoming gradient of the loss (already divided by the batch for a mean). scale is a device
// scalar so that the loss' gradient need not come back to the host.
extern "C" __global__ void cross_entropy_backward_f32(const float* logp, const int* target, const float* scale, float* g,
                                                       int rows, int cols) {
    int n = rows * cols;
    float s = scale[0];
    FOR_EACH(i, n) {
        int r = i / cols;
        float onehot = (i - r * cols) == target[r] ? 1.0f : 0.0f;
        g[i] = (expf(logp[i]) - onehot) * s;
    }
}
