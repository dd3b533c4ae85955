// Elementwise ops of tensors on the device that unary_f32's op codes do not cover: GELU (PyTorch's exact erf form),
// LeakyReLU (a negative slope) and a power by a scalar. The CPU computes GELU in double; float here is within the
// backends' 1e-4 agreement.
#include "common.cuh"

// Phi(v), the standard normal CDF: 0.5 * (1 + erf(v / sqrt(2))).
__device__ __forceinline__ float normal_cdf(float v) {
    return 0.5f * (1.0f + erff(v * 0.70710678118654752f));
}

// y = x * Phi(x): nn.GELU() (approximate='none').
extern "C" __global__ void gelu_f32(const float* x, float* y, int n) {
    FOR_EACH(i, n) {
        float v = x[i];
        y[i] = v * normal_cdf(v);
    }
}

// gx = gy * (Phi(x) + x * phi(x)), phi the standard normal density.
extern "C" __global__ void gelu_backward_f32(const float* x, const float* gy, float* gx, int n) {
    FOR_EACH(i, n) {
        float v = x[i];
        gx[i] = gy[i] * (normal_cdf(v) + v * 0.39894228040143268f * expf(-0.5f * v * v));
    }
}

// y = x > 0 ? x : slope * x: nn.LeakyReLU(negative_slope).
extern "C" __global__ void leaky_relu_f32(const float* x, float* y, int n, float slope) {
    FOR_EACH(i, n) {
        float v = x[i];
        y[i] = v > 0.0f ? v : slope * v;
    }
}

// gx = x > 0 ? gy : slope * gy.
extern "C" __global__ void leaky_relu_backward_f32(const float* x, const float* gy, float* gx, int n, float slope) {
    FOR_EACH(i, n) {
        float g = gy[i];
        gx[i] = x[i] > 0.0f ? g : slope * g;
    }
}

// y = x ^ p (x * x for p = 2, as the CPU); the gradient is composed from this op on the host side (p * x^(p-1)).
extern "C" __global__ void pow_scalar_f32(const float* x, float* y, int n, float p) {
    FOR_EACH(i, n) {
        float v = x[i];
        y[i] = p == 2.0f ? v * v : powf(v, p);
    }
}
