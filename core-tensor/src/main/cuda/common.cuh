// Shared helpers of Sparkgrad's CUDA kernels. Every kernel is extern "C" (its PTX entry name is its C name, which
// io.sparkgrad.cuda.CudaKernel lists with its parameters), float32, and takes element counts as int: tensors hold at
// most 2^31-1 elements, as on the CPU backend.
#pragma once

// Dynamic shared memory (the launch's sharedBytes). A macro so that the CPU emulator of the tests
// (src/test/cuda/emulate.h, which defines SPARKGRAD_EMULATE) can give each emulated block its buffer.
#ifndef SPARKGRAD_EMULATE
#define DYNAMIC_SHARED(T, name) extern __shared__ T name[]
#endif

// Grid-stride loop: the host caps the grid (io.sparkgrad.cuda.LaunchGeometry), so any n is covered.
#define FOR_EACH(i, n) for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += blockDim.x * gridDim.x)

// Block-wide sum of one value per thread; blockDim.x is a power of two <= 1024. Fixed order: deterministic.
__device__ __forceinline__ float block_sum(float v, float* shared) {
    shared[threadIdx.x] = v;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) {
            shared[threadIdx.x] += shared[threadIdx.x + s];
        }
        __syncthreads();
    }
    float total = shared[0];
    __syncthreads();
    return total;
}

__device__ __forceinline__ float block_max(float v, float* shared) {
    shared[threadIdx.x] = v;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) {
            shared[threadIdx.x] = fmaxf(shared[threadIdx.x], shared[threadIdx.x + s]);
        }
        __syncthreads();
    }
    float m = shared[0];
    __syncthreads();
    return m;
}
