// Max and average pooling over [N*C, H, W] planes. Backward passes are gathers (each input pixel sums the outputs whose
// window holds it), so overlapping windows need no atomics and results do not depend on scheduling.
#include "common.cuh"

struct Window {
    int H, W, OH, OW, kH, kW, sH, sW, pH, pW;

    // Calls f(h * W + w) for each in-bounds input pixel of output (oh, ow)'s window, row by row.
    template <class F>
    __device__ void forEachInput(int oh, int ow, F f) const {
        for (int i = 0; i < kH; i++) {
            int h = oh * sH - pH + i;
            if (h < 0 || h >= H) continue;
            for (int k = 0; k < kW; k++) {
                int w = ow * sW - pW + k;
                if (w >= 0 && w < W) f(h * W + w);
            }
        }
    }

    // Calls f(oh * OW + ow) for each output whose window holds input pixel (h, w).
    template <class F>
    __device__ void forEachOutput(int h, int w, F f) const {
        for (int i = 0; i < kH; i++) {
            int hh = h + pH - i;
            if (hh < 0 || hh % sH != 0 || hh / sH >= OH) continue;
            for (int k = 0; k < kW; k++) {
                int ww = w + pW - k;
                if (ww < 0 || ww % sW != 0 || ww / sW >= OW) continue;
                f((hh / sH) * OW + ww / sW);
            }
        }
    }
};

// idx keeps, for each output, the flat h*W+w of the maximum within its plane (the first one on ties, as PyTorch).
extern "C" __global__ void maxpool2d_f32(const float* x, float* y, int* idx, int planes, int H, int W, int OH, int OW,
                                         int kH, int kW, int sH, int sW, int pH, int pW) {
    const Window win = {H, W, OH, OW, kH, kW, sH, sW, pH, pW};
    int total = planes * OH * OW;
    FOR_EACH(e, total) {
        int o = e % (OH * OW);
        const float* plane = x + (size_t) (e / (OH * OW)) * H * W;
        float best = -INFINITY;
        int at = -1;
        win.forEachInput(o / OW, o % OW, [&](int hw) {
            float v = plane[hw];
            if (at < 0 || v > best || v != v) {  // NaN propagates, as in PyTorch
                best = v;
                at = hw;
            }
        });
        y[e] = best;
        idx[e] = at;
    }
}

extern "C" __global__ void maxpool2d_backward_f32(const float* gy, const int* idx, float* gx, int planes, int H, int W,
                                                  int OH, int OW, int kH, int kW, int sH, int sW, int pH, int pW) {
    const Window win = {H, W, OH, OW, kH, kW, sH, sW, pH, pW};
    int total = planes * H * W;
    FOR_EACH(e, total) {
        int hw = e % (H * W);
        size_t base = (size_t) (e / (H * W)) * OH * OW;
        float s = 0.0f;
        win.forEachOutput(hw / W, hw % W, [&](int o) {
            if (idx[base + o] == hw) s += gy[base + o];
        });
        gx[e] = s;
    }
}

// Average pooling with padding counted in the divisor (PyTorch's count_include_pad=True default): divisor kH*kW.
extern "C" __global__ void avgpool2d_f32(const float* x, float* y, int planes, int H, int W, int OH, int OW, int kH, int kW,
                                         int sH, int sW, int pH, int pW) {
    const Window win = {H, W, OH, OW, kH, kW, sH, sW, pH, pW};
    int total = planes * OH * OW;
    float inv = 1.0f / (kH * kW);
    FOR_EACH(e, total) {
        int o = e % (OH * OW);
        const float* plane = x + (size_t) (e / (OH * OW)) * H * W;
        float s = 0.0f;
        win.forEachInput(o / OW, o % OW, [&](int hw) { s += plane[hw]; });
        y[e] = s * inv;
    }
}

extern "C" __global__ void avgpool2d_backward_f32(const float* gy, float* gx, int planes, int H, int W, int OH, int OW,
                                                  int kH, int kW, int sH, int sW, int pH, int pW) {
    const Window win = {H, W, OH, OW, kH, kW, sH, sW, pH, pW};
    int total = planes * H * W;
    float inv = 1.0f / (kH * kW);
    FOR_EACH(e, total) {
        int hw = e % (H * W);
        size_t base = (size_t) (e / (H * W)) * OH * OW;
        float s = 0.0f;
        win.forEachOutput(hw / W, hw % W, [&](int o) { s += gy[base + o]; });
        gx[e] = s * inv;
    }
}
