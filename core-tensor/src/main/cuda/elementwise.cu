// Elementwise ops over contiguous float32 buffers. Op codes are io.sparkgrad.cuda.CudaOps' Unary/Binary enums.
#include "common.cuh"

extern "C" __global__ void fill_f32(float* y, float value, int n) {
    FOR_EACH(i, n) { y[i] = value; }
}

// 0 neg, 1 exp, 2 log, 3 tanh, 4 sigmoid, 5 relu, 6 sqrt, 7 abs
extern "C" __global__ void unary_f32(const float* x, float* y, int n, int op) {
    FOR_EACH(i, n) {
        float v = x[i];
        float r;
        switch (op) {
            case 0: r = -v; break;
            case 1: r = expf(v); break;
            case 2: r = logf(v); break;
            case 3: r = tanhf(v); break;
            case 4: r = 1.0f / (1.0f + expf(-v)); break;
            case 5: r = v > 0.0f ? v : 0.0f; break;
            case 6: r = sqrtf(v); break;
            default: r = fabsf(v); break;
        }
        y[i] = r;
    }
}

// The gradient of unary_f32 with respect to x, from x, the forward output y and the incoming gradient gy.
extern "C" __global__ void unary_backward_f32(const float* x, const float* y, const float* gy, float* gx, int n, int op) {
    FOR_EACH(i, n) {
        float g = gy[i];
        float r;
        switch (op) {
            case 0: r = -g; break;
            case 1: r = g * y[i]; break;
            case 2: r = g / x[i]; break;
            case 3: r = g * (1.0f - y[i] * y[i]); break;
            case 4: r = g * y[i] * (1.0f - y[i]); break;
            case 5: r = x[i] > 0.0f ? g : 0.0f; break;
            case 6: r = g * 0.5f / y[i]; break;
            default: r = x[i] > 0.0f ? g : (x[i] < 0.0f ? -g : 0.0f); break;
        }
        gx[i] = r;
    }
}

// 0 add, 1 sub, 2 mul, 3 div, 4 max, 5 min; a and b have n elements each.
extern "C" __global__ void binary_f32(const float* a, const float* b, float* y, int n, int op) {
    FOR_EACH(i, n) {
        float u = a[i];
        float v = b[i];
        float r;
        switch (op) {
            case 0: r = u + v; break;
            case 1: r = u - v; break;
            case 2: r = u * v; break;
            case 3: r = u / v; break;
            case 4: r = fmaxf(u, v); break;
            default: r = fminf(u, v); break;
        }
        y[i] = r;
    }
}

// y = x * scale + shift, elementwise with scalars (add, sub, mul and div by a scalar, as the host picks them).
extern "C" __global__ void affine_f32(const float* x, float* y, int n, float scale, float shift) {
    FOR_EACH(i, n) { y[i] = x[i] * scale + shift; }
}

// y += alpha * x: gradient accumulation.
extern "C" __global__ void axpy_f32(float alpha, const float* x, float* y, int n) {
    FOR_EACH(i, n) { y[i] += alpha * x[i]; }
}

// y[o, c, s] = x[o, c, s] + b[c] over [outer, channels, inner]: Linear's bias (inner 1) and Conv2d's (inner H*W).
extern "C" __global__ void bias_add_f32(const float* x, const float* b, float* y, int outer, int channels, int inner) {
    int n = outer * channels * inner;
    FOR_EACH(i, n) { y[i] = x[i] + b[(i / inner) % channels]; }
}

// Inverted dropout: keeps an element with probability 1-p and scales it by 1/(1-p); the mask (0 or 1/(1-p)) is kept
// for the backward pass. Random bits from a counter-based hash of (seed, i): no state, same result on any grid.
__device__ __forceinline__ unsigned int hash32(unsigned int x) {
    x ^= x >> 16; x *= 0x7feb352dU;
    x ^= x >> 15; x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

extern "C" __global__ void dropout_f32(const float* x, float* y, float* mask, int n, float p, unsigned int seed) {
    float keep = 1.0f / (1.0f - p);
    FOR_EACH(i, n) {
        float u = (hash32(hash32(seed) ^ (unsigned int) i) >> 8) * (1.0f / 16777216.0f);
        float m = u >= p ? keep : 0.0f;
        mask[i] = m;
        y[i] = x[i] * m;
    }
}
