// Optimizer steps over a flat parameter buffer, in PyTorch's order of operations (io.sparkgrad.optim.SGD and Adam, and
// kernel.AdamKernel's scalar loop). __fmul_rn / __fadd_rn keep nvcc from fusing a multiply-add, so each rounding is the
// CPU's; sqrtf and '/' are the correctly rounded ones (nvcc's default -prec-sqrt=true -prec-div=true).
#include "common.cuh"

// SGD with momentum, dampening, weight decay and Nesterov; firstStep != 0 starts the momentum buffer at the gradient.
extern "C" __global__ void sgd_f32(float* p, const float* g, float* buf, int n, float lr, float momentum, float dampening,
                                   float weightDecay, int nesterov, int firstStep) {
    FOR_EACH(i, n) {
        float d = g[i];
        if (weightDecay != 0.0f) d = __fadd_rn(d, __fmul_rn(weightDecay, p[i]));
        if (momentum != 0.0f) {
            float b = firstStep ? d : __fadd_rn(__fmul_rn(buf[i], momentum), __fmul_rn(1.0f - dampening, d));
            buf[i] = b;
            d = nesterov ? __fadd_rn(d, __fmul_rn(momentum, b)) : b;
        }
        p[i] = __fadd_rn(p[i], __fmul_rn(-lr, d));
    }
}

// Adam / AdamW: stepSize = -lr / (1 - beta1^t), bc2Sqrt = sqrt(1 - beta2^t), computed on the host in double, then
// rounded to float, as kernel.AdamKernel.Step; decay = 1 - lr * weight_decay for decoupled (AdamW), l2 for Adam.
// vmax: amsgrad's running maximum of exp_avg_sq (the denominator uses it), or null without amsgrad.
__device__ __forceinline__ void adam_element(int i, float* p, const float* g, float* m, float* v, float* vmax, float stepSize,
                                             float bc2Sqrt, float beta1, float beta2, float oneMinusBeta1, float oneMinusBeta2,
                                             float eps, float l2, int decoupled, float decay, int maximize) {
    float gi = maximize ? -g[i] : g[i];
    float pi = p[i];
    if (decoupled) {
        pi = __fmul_rn(pi, decay);
    } else if (l2 != 0.0f) {
        gi = __fadd_rn(gi, __fmul_rn(l2, pi));
    }
    float mi = __fadd_rn(__fmul_rn(m[i], beta1), __fmul_rn(oneMinusBeta1, gi));
    float vi = __fadd_rn(__fmul_rn(v[i], beta2), __fmul_rn(__fmul_rn(oneMinusBeta2, gi), gi));
    m[i] = mi;
    v[i] = vi;
    if (vmax != nullptr) {
        vi = fmaxf(vmax[i], vi);   // Math.max on the CPU: the moments are never NaN for finite gradients
        vmax[i] = vi;
    }
    float denom = __fadd_rn(__fdiv_rn(sqrtf(vi), bc2Sqrt), eps);
    p[i] = __fadd_rn(pi, __fmul_rn(stepSize, __fdiv_rn(mi, denom)));
}

extern "C" __global__ void adam_f32(float* p, const float* g, float* m, float* v, int n, float stepSize, float bc2Sqrt,
                                    float beta1, float beta2, float oneMinusBeta1, float oneMinusBeta2, float eps, float l2,
                                    int decoupled, float decay, int maximize) {
    FOR_EACH(i, n) {
        adam_element(i, p, g, m, v, nullptr, stepSize, bc2Sqrt, beta1, beta2, oneMinusBeta1, oneMinusBeta2, eps, l2, decoupled,
                     decay, maximize);
    }
}

// Adam / AdamW with amsgrad: the running maximum vmax of exp_avg_sq is kept and divides the step.
extern "C" __global__ void adam_amsgrad_f32(float* p, const float* g, float* m, float* v, float* vmax, int n, float stepSize,
                                            float bc2Sqrt, float beta1, float beta2, float oneMinusBeta1, float oneMinusBeta2,
                                            float eps, float l2, int decoupled, float decay, int maximize) {
    FOR_EACH(i, n) {
        adam_element(i, p, g, m, v, vmax, stepSize, bc2Sqrt, beta1, beta2, oneMinusBeta1, oneMinusBeta2, eps, l2, decoupled, decay,
                     maximize);
    }
}
