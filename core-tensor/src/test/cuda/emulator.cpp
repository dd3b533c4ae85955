// A CPU stand-in for a GPU, driven line by line on stdin by io.sparkgrad.cuda.EmulatedDevice (tests):
//   A bytes -> address | F address | W address n bits... | R address n -> bits... | L kernel gx gy block shared n args...
// Floats travel as their IEEE bits in decimal; every command answers one line ("ok", a value, or "error ...").
#include "emulate.h"
#include "elementwise.cu"
#include "reduce.cu"
#include "softmax.cu"
#include "sgemm.cu"
#include "conv.cu"
#include "pool.cu"
#include "optim.cu"
#include "tensor.cu"
// norm.cu (batch norm)
#include "norm.cu"
// activation.cu, index.cu, adaptive_pool.cu: ops of device tensors that were refused before
#include "activation.cu"
#include "index.cu"
#include "adaptive_pool.cu"

#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

thread_local dim3 threadIdx;
thread_local dim3 blockIdx;
dim3 blockDim;
dim3 gridDim;
std::barrier<>* emu_block_barrier;
unsigned char* emu_dynamic_shared;

namespace {

struct Arg {
    long long v;

    template <class T>
    T as() const {
        if constexpr (std::is_pointer_v<T>) {
            return reinterpret_cast<T>(static_cast<std::uintptr_t>(v));
        } else if constexpr (std::is_same_v<T, float>) {
            std::uint32_t bits = static_cast<std::uint32_t>(v);
            float f;
            std::memcpy(&f, &bits, sizeof f);
            return f;
        } else {
            return static_cast<T>(v);
        }
    }
};

using Args = std::vector<Arg>;

template <class... Ps, std::size_t... I>
void invoke(void (*kernel)(Ps...), const Args& a, std::index_sequence<I...>) {
    kernel(a[I].template as<Ps>()...);
}

template <class... Ps>
std::pair<int, std::function<void(const Args&)>> entry(void (*kernel)(Ps...)) {
    return {static_cast<int>(sizeof...(Ps)), [kernel](const Args& a) { invoke(kernel, a, std::index_sequence_for<Ps...>{}); }};
}

#define K(name) {#name, entry(name)}
const std::map<std::string, std::pair<int, std::function<void(const Args&)>>> KERNELS = {
    K(fill_f32), K(unary_f32), K(unary_backward_f32), K(binary_f32), K(affine_f32), K(axpy_f32), K(bias_add_f32),
    K(dropout_f32), K(sum_rows_f32), K(sum_cols_f32), K(sum_channels_f32), K(argmax_rows_f32), K(count_equal_i32),
    K(softmax_rows_f32), K(softmax_backward_rows_f32), K(nll_rows_f32), K(cross_entropy_backward_f32), K(sgemm_f32),
    K(im2col_f32), K(col2im_f32), K(swap01_f32), K(maxpool2d_f32), K(maxpool2d_backward_f32), K(avgpool2d_f32),
    K(avgpool2d_backward_f32), K(sgd_f32), K(adam_f32),
    K(strided_copy_f32), K(sum_to_f32), K(equal_i32), K(nll_backward_f32),
    // norm.cu
    K(batch_norm_stats_f32), K(batch_norm_invstd_f32), K(batch_norm_update_running_f32), K(batch_norm_forward_f32),
    K(batch_norm_backward_sums_f32), K(batch_norm_backward_input_f32),
    // activation.cu, index.cu, adaptive_pool.cu, optim.cu's amsgrad
    K(gelu_f32), K(gelu_backward_f32), K(leaky_relu_f32), K(leaky_relu_backward_f32), K(pow_scalar_f32), K(max_dim_f32),
    K(max_dim_backward_f32), K(gather_f32), K(gather_backward_f32), K(index_rows_f32), K(index_rows_backward_f32), K(place_f32),
    K(adaptive_avgpool2d_f32), K(adaptive_avgpool2d_backward_f32), K(adam_amsgrad_f32),
};

// One std::thread per CUDA thread of a block, kept for the whole grid: the threads run the blocks one after another,
// meeting at the block's barrier between blocks (the __shared__ arrays are the same memory for every block).
void launch(const std::function<void(const Args&)>& kernel, const Args& args, unsigned gx, unsigned gy, unsigned block,
            std::size_t shared) {
    gridDim = {gx, gy, 1};
    blockDim = {block, 1, 1};
    std::vector<unsigned char> dynamic(shared + 16);
    std::barrier<> barrier(block);
    emu_block_barrier = &barrier;
    emu_dynamic_shared = dynamic.data();
    std::vector<std::thread> threads;
    threads.reserve(block);
    for (unsigned t = 0; t < block; t++) {
        threads.emplace_back([&, t] {
            threadIdx = {t, 0, 0};
            for (unsigned by = 0; by < gy; by++) {
                for (unsigned bx = 0; bx < gx; bx++) {
                    blockIdx = {bx, by, 0};
                    kernel(args);
                    barrier.arrive_and_wait();
                }
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
}

}  // namespace

int main() {
    std::ios::sync_with_stdio(false);
    std::string line;
    while (std::getline(std::cin, line)) {
        std::istringstream in(line);
        std::string cmd;
        in >> cmd;
        std::ostringstream out;
        if (cmd == "A") {
            long long bytes;
            in >> bytes;
            out << reinterpret_cast<std::uintptr_t>(std::calloc(1, static_cast<std::size_t>(bytes)));
        } else if (cmd == "F") {
            std::uintptr_t address;
            in >> address;
            std::free(reinterpret_cast<void*>(address));
            out << "ok";
        } else if (cmd == "W" || cmd == "R") {
            std::uintptr_t address;
            long long n;
            in >> address >> n;
            auto* words = reinterpret_cast<std::uint32_t*>(address);
            for (long long i = 0; i < n; i++) {
                long long bits;
                if (cmd == "R") {
                    out << (i ? " " : "") << words[i];
                } else if (in >> bits) {
                    words[i] = static_cast<std::uint32_t>(bits);
                }
            }
            if (cmd == "W") {
                out << "ok";
            }
        } else if (cmd == "L") {
            std::string name;
            unsigned gx, gy, block;
            std::size_t shared;
            int n;
            in >> name >> gx >> gy >> block >> shared >> n;
            auto k = KERNELS.find(name);
            if (k == KERNELS.end() || k->second.first != n) {
                out << "error no kernel " << name << " taking " << n << " arguments";
            } else {
                Args args(n);
                for (auto& a : args) {
                    in >> a.v;
                }
                launch(k->second.second, args, gx, gy, block, shared);
                out << "ok";
            }
        } else {
            out << "error unknown command " << cmd;
        }
        std::cout << out.str() << '\n' << std::flush;
    }
    return 0;
}
