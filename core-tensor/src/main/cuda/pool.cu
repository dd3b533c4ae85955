// Max and average pooling over [N*C, H, W] planes. Backward passes are gathers (each input pixel sums the outputs whose
// window holds it), so overlapping windows need no atomics and results do not depend on scheduling.
#include "common.cuh"

// idx keeps, for each output, the flat h*W+w of the maximum within its plane (the first one on ties, as PyTorch).
extern "C" __global__ void maxpool2d_f32(const float* x, float* y, int* idx, int planes, int H, int W, int OH, int OW,
                                         int kH, int kW, int sH, int sW, int pH, int pW) {
    int total = planes * OH * OW;
    FOR_EACH(e, total) {
        int ow = e % OW;
        int oh = (e / OW) % OH;
        int p = e / (OW * OH);
        const float* plane = x + (size_t) p * H * W;
        float best = -INFINITY;
        int at = -1;
        for (int i = 0; i < kH; i++) {
            int h = oh * sH - pH + i;
            if (h < 0 || h >= H) continue;
            for (int k = 0; k < kW; k++) {
                int w = ow * sW - pW + k;
                if (w < 0 || w >= W) continue;
                float v = plane[h * W + w];
                if (v > best || at < 0 || v != v) {  // NaN propagates, as in PyTorch
                    best = v;
                    at = h * W + w;
                }
            }
        }
        y[e] = best;
        idx[e] = at;
    }
}

extern "C" __global__ void maxpool2d_backward_f32(const float* gy, const int* idx, float* gx, int planes, int H, int W,
                                                  int OH, int OW, int kH, int kW, int sH, int sW, int pH, int pW) {
    int total = planes * H * W;
    FOR_EACH(e, total) {
        int hw = e % (H * W);
        int h = hw / W;
        int w = hw % W;
        int p = e / (H * W);
        float s = 0.0f;
        for (int i = 0; i < kH; i++) {
            int hh = h + pH - i;
            if (hh < 0 || hh % sH != 0 || hh / sH >= OH) continue;
            for (int k = 0; k < kW; k++) {
                int ww = w + pW - k;
                if (ww < 0 || ww % sW != 0 || ww / sW >= OW) continue;
                size_t o = ((size_t) p * OH + hh / sH) * OW + ww / sW;
                if (idx[o] == hw) s += gy[o];
            }
        }
        gx[e] = s;
    }
}

// Average pooling with padding counted in the divisor (PyTorch's count_include_pad=True default): divisor kH*kW.
extern "C" __global__ void avgpool2d_f32(const float* x, float* y, int planes, int H, int W, int OH, int OW, int kH, int kW,
                                         int sH, int sW, int pH, int pW) {
    int total = planes * OH * OW;
    float inv = 1.0f / (kH * kW);
    FOR_EACH(e, total) {
        int ow = e % OW;
        int oh = (e / OW) % OH;
        int p = e / (OW * OH);
        const float* plane = x + (size_t) p * H * W;
        float s = 0.0f;
        for (int i = 0; i < kH; i++) {
            int h = oh * sH - pH + i;
            if (h < 0 || h >= H) continue;
            for (int k = 0; k < kW; k++) {
                int w = ow * sW - pW + k;
                if (w >= 0 && w < W) s += plane[h * W + w];
            }
        }
        y[e] = s * inv;
    }
}

extern "C" __global__ void avgpool2d_backward_f32(const float* gy, float* gx, int planes, int H, int W, int OH, int OW,
                                                  int kH, int kW, int sH, int sW, int pH, int pW) {
    int total = planes * H * W;
    float inv = 1.0f / (kH * kW);
    FOR_EACH(e, total) {
        int w = e % W;
        int h = (e / W) % H;
        int p = e / (W * H);
        float s = 0.0f;
        for (int i = 0; i < kH; i++) {
            int hh = h + pH - i;
            if (hh < 0 || hh % sH != 0 || hh / sH >= OH) continue;
            for (int k = 0; k < kW; k++) {
                int ww = w + pW - k;
                if (ww < 0 || ww % sW != 0 || ww / sW >= OW) continue;
                s += gy[((size_t) p * OH + hh / sH) * OW + ww / sW];
            }
        }
        gx[e] = s * inv;
    }
}
