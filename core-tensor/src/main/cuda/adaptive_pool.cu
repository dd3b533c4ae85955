// Adaptive 2-D average pooling to any output size, PyTorch's windows: output i of O over an input axis of length L
// averages input indices [floor(i * L / O), ceil((i + 1) * L / O)); windows may overlap when O does not divide L.
// (An output size that divides the input is pool.cu's average pool, which the host picks for it.)
#include "common.cuh"

__device__ __forceinline__ int window_start(int i, int len, int out) {
    return (int) ((long long) i * len / out);
}

__device__ __forceinline__ int window_end(int i, int len, int out) {
    return (int) (((long long) (i + 1) * len + out - 1) / out);
}

// y [planes, oh, ow] from x [planes, h, w]: each output the sum of its window divided by the window's area.
extern "C" __global__ void adaptive_avgpool2d_f32(const float* x, float* y, int planes, int h, int w, int oh, int ow) {
    int n = planes * oh * ow;
    FOR_EACH(e, n) {
        int j = e % ow;
        int i = (e / ow) % oh;
        int p = e / (oh * ow);
        int r0 = window_start(i, h, oh), r1 = window_end(i, h, oh);
        int c0 = window_start(j, w, ow), c1 = window_end(j, w, ow);
        const float* plane = x + p * h * w;
        float acc = 0.0f;
        for (int r = r0; r < r1; r++) {
            for (int c = c0; c < c1; c++) {
                acc += plane[r * w + c];
            }
        }
        y[e] = acc / (float) ((r1 - r0) * (c1 - c0));
    }
}

// gx [planes, h, w]: the sum, over the outputs whose windows hold the element (row-major order), of gy / area.
extern "C" __global__ void adaptive_avgpool2d_backward_f32(const float* gy, float* gx, int planes, int h, int w, int oh, int ow) {
    int n = planes * h * w;
    FOR_EACH(e, n) {
        int c = e % w;
        int r = (e / w) % h;
        const float* g = gy + (e / (h * w)) * oh * ow;
        float acc = 0.0f;
        for (int i = 0; i < oh; i++) {
            int r0 = window_start(i, h, oh), r1 = window_end(i, h, oh);
            if (r < r0 || r >= r1) {
                continue;
            }
            for (int j = 0; j < ow; j++) {
                int c0 = window_start(j, w, ow), c1 = window_end(j, w, ow);
                if (c >= c0 && c < c1) {
                    acc += g[i * ow + j] / (float) ((r1 - r0) * (c1 - c0));
                }
            }
        }
        gx[e] = acc;
    }
}
