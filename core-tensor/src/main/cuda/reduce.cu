// Reductions, each in a fixed order (no atomics), so a result does not depend on scheduling.
#include "common.cuh"

// y[r] = sum over c of x[r, c]; one block per row (blockDim.x a power of two).
extern "C" __global__ void sum_rows_f32(const float* x, float* y, int rows, int cols) {
    DYNAMIC_SHARED(float, shared);
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* row = x + (size_t) r * cols;
        float s = 0.0f;
        for (int c = threadIdx.x; c < cols; c += blockDim.x) {
            s += row[c];
        }
        s = block_sum(s, shared);
        if (threadIdx.x == 0) {
            y[r] = s;
        }
    }
}

// y[c] = sum over r of x[r, c]: one thread per column, reading rows in order (coalesced across threads).
extern "C" __global__ void sum_cols_f32(const float* x, float* y, int rows, int cols) {
    FOR_EACH(c, cols) {
        float s = 0.0f;
        for (int r = 0; r < rows; r++) {
            s += x[(size_t) r * cols + c];
        }
        y[c] = s;
    }
}

// y[c] = sum over o and s of x[o, c, s] for x of [outer, channels, inner]: Conv2d's bias gradient. One block per channel.
extern "C" __global__ void sum_channels_f32(const float* x, float* y, int outer, int channels, int inner) {
    DYNAMIC_SHARED(float, shared);
    for (int c = blockIdx.x; c < channels; c += gridDim.x) {
        float s = 0.0f;
        int n = outer * inner;
        for (int k = threadIdx.x; k < n; k += blockDim.x) {
            int o = k / inner;
            s += x[((size_t) o * channels + c) * inner + k % inner];
        }
        s = block_sum(s, shared);
        if (threadIdx.x == 0) {
            y[c] = s;
        }
    }
}

// idx[r] = the first c with the largest x[r, c] (as torch.argmax); one block per row.
extern "C" __global__ void argmax_rows_f32(const float* x, int* idx, int rows, int cols) {
    DYNAMIC_SHARED(float, shared);
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* row = x + (size_t) r * cols;
        float best = -INFINITY;
        for (int c = threadIdx.x; c < cols; c += blockDim.x) {
            best = fmaxf(best, row[c]);
        }
        best = block_max(best, shared);
        // The smallest index holding the maximum: a min over candidate indices, reusing the shared buffer as floats.
        float first = (float) cols;
        for (int c = threadIdx.x; c < cols; c += blockDim.x) {
            if (row[c] == best) {
                first = fminf(first, (float) c);
                break;
            }
        }
        first = -block_max(-first, shared);
        if (threadIdx.x == 0) {
            idx[r] = (int) first;
        }
    }
}

// correct[0] = number of r with idx[r] == target[r]; one block.
extern "C" __global__ void count_equal_i32(const int* idx, const int* target, float* correct, int n) {
    DYNAMIC_SHARED(float, shared);
    float s = 0.0f;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        s += idx[i] == target[i] ? 1.0f : 0.0f;
    }
    s = block_sum(s, shared);
    if (threadIdx.x == 0) {
        correct[0] = s;
    }
}
