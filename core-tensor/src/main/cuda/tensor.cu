// Kernels of tensors on the device (io.sparkgrad.tensor through io.sparkgrad.cuda.CudaOps): strided views made
// contiguous (transposes, narrows, broadcasts), broadcast gradients summed back, int comparisons and the nll gradient.
// Shapes of up to 4 dimensions, padded in front with size 1.
#include "common.cuh"

// The row-major index (i0, i1, i2, i3) of the flat index i in a shape [_, s1, s2, s3].
struct Index4 {
    int i0, i1, i2, i3;
};

__device__ __forceinline__ Index4 unravel4(int i, int s1, int s2, int s3) {
    Index4 r;
    r.i3 = i % s3;
    i /= s3;
    r.i2 = i % s2;
    i /= s2;
    r.i1 = i % s1;
    r.i0 = i / s1;
    return r;
}

// dst[i] = src[offset + i0*t0 + i1*t1 + i2*t2 + i3*t3], (i0, i1, i2, i3) the row-major index of i in [s0, s1, s2, s3]:
// a strided view made contiguous; a stride of 0 repeats (broadcasts) a dimension. Copies 32-bit words: int32 too.
extern "C" __global__ void strided_copy_f32(const float* src, float* dst, int n, int offset, int s0, int s1, int s2, int s3,
                                            int t0, int t1, int t2, int t3) {
    FOR_EACH(i, n) {
        Index4 x = unravel4(i, s1, s2, s3);
        dst[i] = src[offset + x.i0 * t0 + x.i1 * t1 + x.i2 * t2 + x.i3 * t3];
    }
}

// dst [d0, d1, d2, d3] = src [s0, s1, s2, s3] (contiguous) summed over each dimension where d is 1 and s is not: the
// gradient of a broadcast, and sum over a dimension. One thread per output element, adding in row-major order of the
// summed elements: deterministic, and the CPU's order for one summed dimension.
extern "C" __global__ void sum_to_f32(const float* src, float* dst, int n, int s0, int s1, int s2, int s3, int d0, int d1,
                                      int d2, int d3) {
    FOR_EACH(i, n) {
        Index4 o = unravel4(i, d1, d2, d3);
        int e0 = d0 == s0 ? 1 : s0;
        int e1 = d1 == s1 ? 1 : s1;
        int e2 = d2 == s2 ? 1 : s2;
        int e3 = d3 == s3 ? 1 : s3;
        float acc = 0.0f;
        for (int a0 = 0; a0 < e0; a0++) {
            int i0 = e0 == 1 ? o.i0 : a0;
            for (int a1 = 0; a1 < e1; a1++) {
                int i1 = e1 == 1 ? o.i1 : a1;
                for (int a2 = 0; a2 < e2; a2++) {
                    int i2 = e2 == 1 ? o.i2 : a2;
                    for (int a3 = 0; a3 < e3; a3++) {
                        int i3 = e3 == 1 ? o.i3 : a3;
                        acc += src[((i0 * s1 + i1) * s2 + i2) * s3 + i3];
                    }
                }
            }
        }
        dst[i] = acc;
    }
}

// y[i] = a[i] == b[i] ? 1 : 0 for int32 a and b (predictions against labels), as floats.
extern "C" __global__ void equal_i32(const int* a, const int* b, float* y, int n) {
    FOR_EACH(i, n) { y[i] = a[i] == b[i] ? 1.0f : 0.0f; }
}

// The gradient of nll_loss for logp [rows, cols]: gx[r, c] = -(gy[per_row ? r : 0] / divisor) where c is target[r],
// else 0 (divisor: the batch for a mean, else 1).
extern "C" __global__ void nll_backward_f32(const int* target, const float* gy, float* gx, int rows, int cols, int per_row,
                                            int divisor) {
    int n = rows * cols;
    FOR_EACH(i, n) {
        int r = i / cols;
        gx[i] = (i % cols) == target[r] ? -(gy[per_row ? r : 0] / (float) divisor) : 0.0f;
    }
}
