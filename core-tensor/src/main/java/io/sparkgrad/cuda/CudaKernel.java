package io.sparkgrad.cuda;

import java.util.Locale;

/**
 * Every kernel of the committed PTX, with the module (PTX resource) it lives in and its parameters, one letter each:
 * {@code p} a device pointer ({@code .u64}), {@code i} a 32-bit int ({@code .u32}), {@code f} a float ({@code .f32}).
 * {@code PtxResourcesTest} checks this table against the PTX entries, so a launch from Java cannot pass arguments that
 * a kernel does not take; {@link #checkArgs} checks each launch against it.
 */
public enum CudaKernel {
    FILL_F32("elementwise:pfi"),
    UNARY_F32("elementwise:ppii"),
    UNARY_BACKWARD_F32("elementwise:ppppii"),
    BINARY_F32("elementwise:pppii"),
    AFFINE_F32("elementwise:ppiff"),
    AXPY_F32("elementwise:fppi"),
    BIAS_ADD_F32("elementwise:pppiii"),
    DROPOUT_F32("elementwise:pppifi"),
    SUM_ROWS_F32("reduce:ppii"),
    SUM_COLS_F32("reduce:ppii"),
    SUM_CHANNELS_F32("reduce:ppiii"),
    ARGMAX_ROWS_F32("reduce:ppii"),
    COUNT_EQUAL_I32("reduce:pppi"),
    SOFTMAX_ROWS_F32("softmax:ppiii"),
    SOFTMAX_BACKWARD_ROWS_F32("softmax:pppiii"),
    NLL_ROWS_F32("softmax:pppii"),
    CROSS_ENTROPY_BACKWARD_F32("softmax:ppppii"),
    SGEMM_F32("sgemm:iiiiifpipifpi"),
    IM2COL_F32("conv:ppiiiiiiiiiiii"),
    COL2IM_F32("conv:ppiiiiiiiiiiii"),
    SWAP01_F32("conv:ppiii"),
    MAXPOOL2D_F32("pool:pppiiiiiiiiiii"),
    MAXPOOL2D_BACKWARD_F32("pool:pppiiiiiiiiiii"),
    AVGPOOL2D_F32("pool:ppiiiiiiiiiii"),
    AVGPOOL2D_BACKWARD_F32("pool:ppiiiiiiiiiii"),
    SGD_F32("optim:pppiffffii"),
    ADAM_F32("optim:ppppiffffffffifi"),
    // tensor.cu: tensors on the device (io.sparkgrad.tensor)
    STRIDED_COPY_F32("tensor:ppiiiiiiiiii"),
    SUM_TO_F32("tensor:ppiiiiiiiii"),
    EQUAL_I32("tensor:pppi"),
    NLL_BACKWARD_F32("tensor:pppiiii"),
    // norm.cu: batch norm
    BATCH_NORM_STATS_F32("norm:ppppiiif"),
    BATCH_NORM_INVSTD_F32("norm:ppif"),
    BATCH_NORM_UPDATE_RUNNING_F32("norm:ppppiff"),
    BATCH_NORM_FORWARD_F32("norm:ppppppiii"),
    BATCH_NORM_BACKWARD_SUMS_F32("norm:ppppppiii"),
    BATCH_NORM_BACKWARD_INPUT_F32("norm:ppppppppiiii"),
    // activation.cu, index.cu, adaptive_pool.cu and optim.cu's amsgrad: ops of device tensors that were refused before
    GELU_F32("activation:ppi"),
    GELU_BACKWARD_F32("activation:pppi"),
    LEAKY_RELU_F32("activation:ppif"),
    LEAKY_RELU_BACKWARD_F32("activation:pppif"),
    POW_SCALAR_F32("activation:ppif"),
    MAX_DIM_F32("index:pppiii"),
    MAX_DIM_BACKWARD_F32("index:pppiii"),
    GATHER_F32("index:pppiiiiiiiii"),
    GATHER_BACKWARD_F32("index:pppiiiiiiiii"),
    INDEX_ROWS_F32("index:pppii"),
    INDEX_ROWS_BACKWARD_F32("index:pppiii"),
    PLACE_F32("index:ppiiiii"),
    ADAPTIVE_AVGPOOL2D_F32("adaptive_pool:ppiiiii"),
    ADAPTIVE_AVGPOOL2D_BACKWARD_F32("adaptive_pool:ppiiiii"),
    ADAM_AMSGRAD_F32("optim:pppppiffffffffifi");

    /** {@code module:params}, e.g. {@code elementwise:pfi}. */
    private final String signature;

    CudaKernel(String signature) {
        this.signature = signature;
    }

    /** The PTX entry name: the kernel's C name. */
    public String entry() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The PTX resource it lives in, {@code io/sparkgrad/cuda/ptx/<module>.ptx}. */
    public String module() {
        return signature.substring(0, signature.indexOf(':'));
    }

    /** One letter per parameter: {@code p} pointer, {@code i} int, {@code f} float. */
    public String params() {
        return signature.substring(signature.indexOf(':') + 1);
    }

    /**
     * Fails unless {@code args} match the parameters: a {@link Long} device address for {@code p}, an {@link Integer}
     * for {@code i}, a {@link Float} for {@code f}. A wrong launch would otherwise read garbage on the GPU, silently.
     */
    public void checkArgs(Object... args) {
        String params = params();
        if (args.length != params.length()) {
            throw new IllegalArgumentException(entry() + " takes " + params.length() + " arguments (" + params + "), got "
                    + args.length);
        }
        for (int i = 0; i < args.length; i++) {
            char want = params.charAt(i);
            Class<?> type = switch (want) {
                case 'p' -> Long.class;
                case 'i' -> Integer.class;
                default -> Float.class;
            };
            if (!type.isInstance(args[i])) {
                throw new IllegalArgumentException(entry() + " argument " + i + " must be " + type.getSimpleName() + " ('"
                        + want + "'), got " + (args[i] == null ? "null" : args[i].getClass().getSimpleName()));
            }
            if (want == 'p' && (Long) args[i] == 0L) {
                throw new IllegalArgumentException(entry() + " argument " + i + " is a null device pointer");
            }
        }
    }
}
