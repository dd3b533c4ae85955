// Conv2d as im2col + one GEMM for the whole batch:
//   col [C*kH*kW, N*OH*OW] = im2col(x [N, C, H, W]);  out [OC, N*OH*OW] = W [OC, C*kH*kW] x col;  y = permute to [N, OC, OH, OW].
// Backward: gcol = W^T x gout; gx = col2im(gcol) (a gather: each input pixel sums the columns that read it, no atomics);
// gW = gout x col^T.
#include "common.cuh"

extern "C" __global__ void im2col_f32(const float* x, float* col, int N, int C, int H, int W, int kH, int kW, int sH,
                                      int sW, int pH, int pW, int OH, int OW) {
    int cols = N * OH * OW;
    int total = C * kH * kW * cols;
    FOR_EACH(e, total) {
        int j = e % cols;        // column: (n, oh, ow)
        int rIdx = e / cols;     // row: (c, i, k)
        int ow = j % OW;
        int oh = (j / OW) % OH;
        int n = j / (OW * OH);
        int kk = rIdx % kW;
        int ii = (rIdx / kW) % kH;
        int c = rIdx / (kW * kH);
        int h = oh * sH - pH + ii;
        int w = ow * sW - pW + kk;
        col[e] = (h >= 0 && h < H && w >= 0 && w < W) ? x[(((size_t) n * C + c) * H + h) * W + w] : 0.0f;
    }
}

extern "C" __global__ void col2im_f32(const float* col, float* x, int N, int C, int H, int W, int kH, int kW, int sH,
                                      int sW, int pH, int pW, int OH, int OW) {
    int total = N * C * H * W;
    int cols = N * OH * OW;
    FOR_EACH(e, total) {
        int w = e % W;
        int h = (e / W) % H;
        int c = (e / (W * H)) % C;
        int n = e / (W * H * C);
        float s = 0.0f;
        for (int ii = 0; ii < kH; ii++) {
            int hh = h + pH - ii;
            if (hh < 0 || hh % sH != 0) continue;
            int oh = hh / sH;
            if (oh >= OH) continue;
            for (int kk = 0; kk < kW; kk++) {
                int ww = w + pW - kk;
                if (ww < 0 || ww % sW != 0) continue;
                int ow = ww / sW;
                if (ow >= OW) continue;
                s += col[(size_t) ((c * kH + ii) * kW + kk) * cols + ((size_t) n * OH + oh) * OW + ow];
            }
        }
        x[e] = s;
    }
}

// [A, B, S] -> [B, A, S]: GEMM output [OC, N, OH*OW] to NCHW [N, OC, OH*OW], and back for the gradient.
extern "C" __global__ void swap01_f32(const float* x, float* y, int A, int B, int S) {
    int total = A * B * S;
    FOR_EACH(e, total) {
        int s = e % S;
        int b = (e / S) % B;
        int a = e / (S * B);
        y[((size_t) b * A + a) * S + s] = x[e];
    }
}
