// The in-house SGEMM, used where cuBLAS is absent (it may be, notably on CUDA 13 hosts):
// C = alpha * op(A) * op(B) + beta * C, row-major, op(A) [M, K], op(B) [K, N], C [M, N].
// transA: A is stored [K, M] (lda >= M); else [M, K] (lda >= K). Likewise transB: B stored [N, K] or [K, N].
// Tiles of 64 x 64 outputs per block of 256 threads, each thread 4 x 4 of them, K in slices of 8 through shared memory.
#define BM 64
#define BN 64
#define BK 8
#define THREADS 256

extern "C" __global__ void __launch_bounds__(THREADS)
sgemm_f32(int transA, int transB, int M, int N, int K, float alpha, const float* A, int lda, const float* B, int ldb,
          float beta, float* C, int ldc) {
    __shared__ float As[BK][BM];
    __shared__ float Bs[BK][BN];
    int tx = threadIdx.x % 16;
    int ty = threadIdx.x / 16;
    int row0 = blockIdx.y * BM;
    int col0 = blockIdx.x * BN;
    float acc[4][4];
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 4; j++) {
            acc[i][j] = 0.0f;
        }
    }
    for (int k0 = 0; k0 < K; k0 += BK) {
        for (int e = threadIdx.x; e < BM * BK; e += THREADS) {
            // transA reads along m (contiguous in memory), else along k.
            int m = transA ? e % BM : e / BK;
            int k = transA ? e / BM : e % BK;
            int gm = row0 + m;
            int gk = k0 + k;
            As[k][m] = (gm < M && gk < K) ? (transA ? A[(size_t) gk * lda + gm] : A[(size_t) gm * lda + gk]) : 0.0f;
        }
        for (int e = threadIdx.x; e < BK * BN; e += THREADS) {
            int n = transB ? e / BK : e % BN;
            int k = transB ? e % BK : e / BN;
            int gn = col0 + n;
            int gk = k0 + k;
            Bs[k][n] = (gk < K && gn < N) ? (transB ? B[(size_t) gn * ldb + gk] : B[(size_t) gk * ldb + gn]) : 0.0f;
        }
        __syncthreads();
#pragma unroll
        for (int k = 0; k < BK; k++) {
            float a[4];
            float b[4];
#pragma unroll
            for (int i = 0; i < 4; i++) {
                a[i] = As[k][ty + 16 * i];
                b[i] = Bs[k][tx + 16 * i];
            }
#pragma unroll
            for (int i = 0; i < 4; i++) {
#pragma unroll
                for (int j = 0; j < 4; j++) {
                    acc[i][j] += a[i] * b[j];
                }
            }
        }
        __syncthreads();
    }
    for (int i = 0; i < 4; i++) {
        int gm = row0 + ty + 16 * i;
        for (int j = 0; j < 4; j++) {
            int gn = col0 + tx + 16 * j;
            if (gm < M && gn < N) {
                float* c = C + (size_t) gm * ldc + gn;
                // beta == 0 overwrites, so C may hold garbage (a fresh buffer from the allocator), as BLAS specifies.
                *c = beta == 0.0f ? alpha * acc[i][j] : alpha * acc[i][j] + beta * *c;
            }
        }
    }
}
