// Runs Sparkgrad's CUDA kernels on the CPU, for tests on machines without a GPU: every CUDA thread of a block is a
// std::thread, __syncthreads() is a std::barrier of the block, __shared__ arrays are the block's (blocks run one at a
// time), and float arithmetic is IEEE single precision without contraction (-ffp-contract=off), as nvcc's __f*_rn.
// It checks the kernels' index math, tiling and reductions against the CPU backend; it cannot show what only real
// hardware does (warp scheduling, the memory model across blocks, the driver's JIT, speed).
#pragma once
#define SPARKGRAD_EMULATE 1
#include <barrier>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <cstddef>

struct dim3 {
    unsigned x, y, z;
};

extern thread_local dim3 threadIdx;
extern thread_local dim3 blockIdx;
extern dim3 blockDim;
extern dim3 gridDim;
extern std::barrier<>* emu_block_barrier;
extern unsigned char* emu_dynamic_shared;

#define __global__
#define __device__
#define __forceinline__ inline
#define __launch_bounds__(n)
#define __shared__ static
#define DYNAMIC_SHARED(T, name) T* name = reinterpret_cast<T*>(emu_dynamic_shared)

inline void __syncthreads() {
    emu_block_barrier->arrive_and_wait();
}

inline float __int_as_float(int bits) {
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
