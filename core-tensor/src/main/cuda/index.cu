// Ops of tensors on the device that pick or place elements by index: max over a dimension (values and indices),
// gather along a dimension, rows picked by index (index_select), and one input of a cat placed into its output.
// Gradients are gathered, never scattered: one thread per input element adds its contributions in the CPU's order,
// so there are no atomics and every run gives the same bits. Shapes of up to 4 dimensions, padded in front with 1.
#include "common.cuh"

__device__ __forceinline__ bool is_nan(float v) {
    return v != v;
}

// x viewed as [outer, n, inner]: y[o, i] = max over k of x[o, k, i], idx[o, i] the first such k (a NaN is the maximum,
// as on the CPU and in PyTorch).
extern "C" __global__ void max_dim_f32(const float* x, float* y, int* idx, int outer, int n, int inner) {
    int total = outer * inner;
    FOR_EACH(r, total) {
        const float* base = x + (r / inner) * n * inner + r % inner;
        float best = base[0];
        int bi = 0;
        for (int k = 1; k < n; k++) {
            float v = base[k * inner];
            if (v > best || (is_nan(v) && !is_nan(best))) {
                best = v;
                bi = k;
            }
        }
        y[r] = best;
        idx[r] = bi;
    }
}

// The gradient of max_dim_f32: gx[o, k, i] = gy[o, i] where k is idx[o, i], else 0.
extern "C" __global__ void max_dim_backward_f32(const float* gy, const int* idx, float* gx, int outer, int n, int inner) {
    int total = outer * n * inner;
    FOR_EACH(e, total) {
        int r = (e / (n * inner)) * inner + e % inner;
        gx[e] = idx[r] == (e / inner) % n ? gy[r] : 0.0f;
    }
}

// The row-major coordinates c[0..3] of the flat index e in a shape [_, s1, s2, s3].
__device__ __forceinline__ void coords4(int e, int s1, int s2, int s3, int* c) {
    c[3] = e % s3;
    e /= s3;
    c[2] = e % s2;
    e /= s2;
    c[1] = e % s1;
    c[0] = e / s1;
}

// y[c] = x[c with dimension dim replaced by index[c]] for every position c of the index (shape [_, i1, i2, i3]); x is
// contiguous of shape [x0, x1, x2, x3]. An index outside [0, x_dim) gives NaN: the device does not stop to check.
extern "C" __global__ void gather_f32(const float* x, const int* index, float* y, int n, int dim, int i1, int i2, int i3, int x0,
                                      int x1, int x2, int x3) {
    int xs[4] = {x0, x1, x2, x3};
    FOR_EACH(e, n) {
        int c[4];
        coords4(e, i1, i2, i3, c);
        int k = index[e];
        if (k < 0 || k >= xs[dim]) {
            y[e] = __int_as_float(0x7fc00000);
            continue;
        }
        c[dim] = k;
        y[e] = x[((c[0] * x1 + c[1]) * x2 + c[2]) * x3 + c[3]];
    }
}

// The gradient of gather_f32 for x of shape [_, x1, x2, x3] (n elements): gx[c] = the sum, over j in index order along
// dim, of gy[c with dim replaced by j] where index there is c[dim]; 0 where c lies outside the index's shape.
extern "C" __global__ void gather_backward_f32(const float* gy, const int* index, float* gx, int n, int dim, int i0, int i1, int i2,
                                               int i3, int x1, int x2, int x3) {
    int is[4] = {i0, i1, i2, i3};
    FOR_EACH(e, n) {
        int c[4];
        coords4(e, x1, x2, x3, c);
        float acc = 0.0f;
        bool inside = true;
        for (int d = 0; d < 4; d++) {
            inside = inside && (d == dim || c[d] < is[d]);
        }
        if (inside) {
            int target = c[dim];
            for (int j = 0; j < is[dim]; j++) {
                c[dim] = j;
                int at = ((c[0] * i1 + c[1]) * i2 + c[2]) * i3 + c[3];
                if (index[at] == target) {
                    acc += gy[at];
                }
            }
        }
        gx[e] = acc;
    }
}

// y[r, j] = x[rows[r], j] for rows of `per` elements: index_select along dimension 0 (32-bit words: int32 too).
extern "C" __global__ void index_rows_f32(const float* x, const int* rows, float* y, int n, int per) {
    FOR_EACH(e, n) {
        y[e] = x[rows[e / per] * per + e % per];
    }
}

// The gradient of index_rows_f32 for x of xrows rows (n = xrows * per elements): gx[r, j] = the sum over the picks i
// (in order) with rows[i] == r of gy[i, j].
extern "C" __global__ void index_rows_backward_f32(const float* gy, const int* rows, float* gx, int n, int picks, int per) {
    FOR_EACH(e, n) {
        int r = e / per;
        int j = e % per;
        float acc = 0.0f;
        for (int i = 0; i < picks; i++) {
            if (rows[i] == r) {
                acc += gy[i * per + j];
            }
        }
        gx[e] = acc;
    }
}

// One input of a cat: x [outer, size, inner] (n elements) into y [outer, total, inner] at offset `at` of the middle
// dimension.
extern "C" __global__ void place_f32(const float* x, float* y, int n, int size, int inner, int total, int at) {
    FOR_EACH(e, n) {
        int o = e / (size * inner);
        int k = (e / inner) % size;
        y[(o * total + at + k) * inner + e % inner] = x[e];
    }
}
