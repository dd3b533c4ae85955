package io.sparkgrad.nn.spec;

import static io.sparkgrad.nn.spec.Param.defaultsTo;
import static io.sparkgrad.nn.spec.Param.optional;
import static io.sparkgrad.nn.spec.Param.required;

import io.sparkgrad.nn.AdaptiveAvgPool2d;
import io.sparkgrad.nn.AvgPool2d;
import io.sparkgrad.nn.BatchNorm2d;
import io.sparkgrad.nn.Conv2d;
import io.sparkgrad.nn.Dropout;
import io.sparkgrad.nn.Flatten;
import io.sparkgrad.nn.GELU;
import io.sparkgrad.nn.LeakyReLU;
import io.sparkgrad.nn.Linear;
import io.sparkgrad.nn.LogSoftmax;
import io.sparkgrad.nn.MaxPool2d;
import io.sparkgrad.nn.Module;
import io.sparkgrad.nn.ReLU;
import io.sparkgrad.nn.Sigmoid;
import io.sparkgrad.nn.Softmax;
import io.sparkgrad.nn.Tanh;
import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The layers a model spec can name, each with PyTorch's lower-case name and arguments, and what it does with an input
 * shape: the output shape it gives (or why it cannot take that input), the module it builds and the {@code torch.nn}
 * line that builds the same module. Shapes here leave out the batch dimension: {@code [channels, height, width]} or
 * {@code [features]}.
 */
public enum LayerKind {
    /** {@code conv2d(out_channels, kernel_size, stride=1, padding=0, bias=true)}: {@code nn.Conv2d}, in_channels inferred. */
    CONV2D("conv2d", "Conv2d", TorchArgs.INPUT_SIZE_AND_FIRST, required("out_channels", ArgType.POSITIVE_INT),
            required("kernel_size", ArgType.POSITIVE_INT), optional("stride", ArgType.POSITIVE_INT, 1L),
            optional("padding", ArgType.NON_NEGATIVE_INT, 0L), optional("bias", ArgType.BOOL, true)) {
        @Override
        int[] outputShape(LayerSpec l, int[] in) {
            requireImage(in);
            int k = l.intArg("kernel_size");
            int s = l.intArg("stride");
            int p = l.intArg("padding");
            return new int[] {l.intArg("out_channels"), window(in, 1, k, s, p), window(in, 2, k, s, p)};
        }

        @Override
        Module build(LayerSpec l, int[] in, Generator init, Generator dropout) {
            return Conv2d.builder(in[0], l.intArg("out_channels"), l.intArg("kernel_size")).stride(l.intArg("stride"))
                    .padding(l.intArg("padding")).bias(l.boolArg("bias")).generator(init).build();
        }
    },
    /** {@code linear(out_features, bias=true)}: {@code nn.Linear}, in_features inferred from a flat input. */
    LINEAR("linear", "Linear", TorchArgs.INPUT_SIZE_AND_FIRST, required("out_features", ArgType.POSITIVE_INT),
            optional("bias", ArgType.BOOL, true)) {
        @Override
        int[] outputShape(LayerSpec l, int[] in) {
            if (in.length != 1) {
                throw new IllegalArgumentException("input shape " + Shape.format(in) + " must be flattened first (add flatten before "
                        + "this layer)");
            }
            return new int[] {l.intArg("out_features")};
        }

        @Override
        Module build(LayerSpec l, int[] in, Generator init, Generator dropout) {
            return new Linear(in[0], l.intArg("out_features"), l.boolArg("bias"), init);
        }
    },
    /** {@code maxpool2d(kernel_size, stride=kernel_size, padding=0)}: {@code nn.MaxPool2d}. */
    MAXPOOL2D("maxpool2d", "MaxPool2d", required("kernel_size", ArgType.POSITIVE_INT),
            defaultsTo("stride", ArgType.POSITIVE_INT, "kernel_size"), optional("padding", ArgType.NON_NEGATIVE_INT, 0L)) {
        @Override
        Module build(LayerSpec l, int[] in, Generator init, Generator dropout) {
            return new MaxPool2d(l.intArg("kernel_size"), l.intArg("stride"), l.intArg("padding"), 1);
        }
    },
    /** {@code avgpool2d(kernel_size, stride=kernel_size, padding=0)}: {@code nn.AvgPool2d}. */
    AVGPOOL2D("avgpool2d", "AvgPool2d", required("kernel_size", ArgType.POSITIVE_INT),
            defaultsTo("stride", ArgType.POSITIVE_INT, "kernel_size"), optional("padding", ArgType.NON_NEGATIVE_INT, 0L)) {
        @Override
        Module build(LayerSpec l, int[] in, Generator init, Generator dropout) {
            return new AvgPool2d(l.intArg("kernel_size"), l.intArg("stride"), l.intArg("padding"));
        }
    },
    /** {@code adaptiveavgpool2d(output_size)}: {@code nn.AdaptiveAvgPool2d}, a square output. */
    ADAPTIVEAVGPOOL2D("adaptiveavgpool2d", "AdaptiveAvgPool2d", TorchArgs.FIRST, required("output_size", ArgType.POSITIVE_INT)) {
        @Override
        int[] outputShape(LayerSpec l, int[] in) {
            requireImage(in);
            return new int[] {in[0], l.intArg("output_size"), l.intArg("output_size")};
        }

        @Override
        Module build(LayerSpec l, int[] in, Generator init, Generator dropout) {
            return new AdaptiveAvgPool2d(l.intArg("output_size"));
        }
    },
    /** {@code dropout(p=0.5)}: {@code nn.Dropout}, masks drawn from the dropout generator. */
    DROPOUT("dropout", "Dropout", optional("p", ArgType.PROBABILITY, 0.5)) {
        @Override
        Module build(LayerSpec l, int[] in, Generator init, Generator dropout) {
            return new Dropout((float) l.doubleArg("p"), dropout);
        }
    },
    /** {@code batchnorm2d(eps=1e-05, momentum=0.1)}: {@code nn.BatchNorm2d}, num_features inferred. */
    BATCHNORM2D("batchnorm2d", "BatchNorm2d", TorchArgs.INPUT_SIZE, optional("eps", ArgType.POSITIVE_FLOAT, 1e-5),
            optional("momentum", ArgType.PROBABILITY, 0.1)) {
        @Override
        int[] outputShape(LayerSpec l, int[] in) {
            requireImage(in);
            return in.clone();
        }

        @Override
        Module build(LayerSpec l, int[] in, Generator init, Generator dropout) {
            return new BatchNorm2d(in[0], (float) l.doubleArg("eps"), (float) l.doubleArg("momentum"));
        }
    },
    /** {@code flatten}: {@code nn.Flatten()}, everything but the batch dimension into one. */
    FLATTEN("flatten", "Flatten", Flatten::new) {
        @Override
        int[] outputShape(LayerSpec l, int[] in) {
            long n = 1;
            for (int d : in) {
                n *= d;
            }
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("input shape " + Shape.format(in) + " has more than 2^31-1 elements per sample");
            }
            return new int[] {(int) n};
        }
    },
    /** {@code relu}: {@code nn.ReLU()}. */
    RELU("relu", "ReLU", ReLU::new),
    /** {@code sigmoid}: {@code nn.Sigmoid()}. */
    SIGMOID("sigmoid", "Sigmoid", Sigmoid::new),
    /** {@code tanh}: {@code nn.Tanh()}. */
    TANH("tanh", "Tanh", Tanh::new),
    /** {@code leakyrelu(negative_slope=0.01)}: {@code nn.LeakyReLU}. */
    LEAKYRELU("leakyrelu", "LeakyReLU", optional("negative_slope", ArgType.FLOAT, 0.01)) {
        @Override
        Module build(LayerSpec l, int[] in, Generator init, Generator dropout) {
            return new LeakyReLU((float) l.doubleArg("negative_slope"));
        }
    },
    /** {@code gelu}: {@code nn.GELU()}, the exact (erf) form. */
    GELU("gelu", "GELU", GELU::new),
    /** {@code softmax(dim=1)}: {@code nn.Softmax}; dim counts the batch dimension, as in PyTorch. */
    SOFTMAX("softmax", "Softmax", optional("dim", ArgType.INT, 1L)) {
        @Override
        Module build(LayerSpec l, int[] in, Generator init, Generator dropout) {
            return new Softmax(l.intArg("dim"));
        }
    },
    /** {@code logsoftmax(dim=1)}: {@code nn.LogSoftmax}. */
    LOGSOFTMAX("logsoftmax", "LogSoftmax", optional("dim", ArgType.INT, 1L)) {
        @Override
        Module build(LayerSpec l, int[] in, Generator init, Generator dropout) {
            return new LogSoftmax(l.intArg("dim"));
        }
    };

    /**
     * Which arguments a layer's {@code torch.nn} constructor takes by position: the input size the spec infers
     * ({@code in_channels}, {@code in_features}, {@code num_features}) and the layer's first argument. The rest go by
     * keyword, a bool only when it is not its default ({@code bias=False}).
     */
    enum TorchArgs {
        /** {@code nn.MaxPool2d(kernel_size=2, stride=2, padding=0)}. */
        KEYWORDS(false, 0),
        /** {@code nn.AdaptiveAvgPool2d(1)}. */
        FIRST(false, 1),
        /** {@code nn.BatchNorm2d(8, eps=1e-05, momentum=0.1)}. */
        INPUT_SIZE(true, 0),
        /** {@code nn.Linear(784, 10)}, {@code nn.Conv2d(1, 16, kernel_size=3, ...)}. */
        INPUT_SIZE_AND_FIRST(true, 1);

        private final boolean inputSize;
        private final int positional;

        TorchArgs(boolean inputSize, int positional) {
            this.inputSize = inputSize;
            this.positional = positional;
        }
    }

    private final String specName;
    private final String torchName;
    private final TorchArgs torchArgs;
    private final List<Param> params;
    private final Supplier<Module> plain;

    /** A layer without arguments, built by its module's constructor without arguments. */
    LayerKind(String specName, String torchName, Supplier<Module> plain) {
        this(specName, torchName, TorchArgs.KEYWORDS, plain);
    }

    LayerKind(String specName, String torchName, Param... params) {
        this(specName, torchName, TorchArgs.KEYWORDS, null, params);
    }

    LayerKind(String specName, String torchName, TorchArgs torchArgs, Param... params) {
        this(specName, torchName, torchArgs, null, params);
    }

    private LayerKind(String specName, String torchName, TorchArgs torchArgs, Supplier<Module> plain, Param... params) {
        this.specName = specName;
        this.torchName = torchName;
        this.torchArgs = torchArgs;
        this.plain = plain;
        this.params = List.of(params);
    }

    /** The name in a spec: PyTorch's class name in lower case ({@code conv2d}, {@code leakyrelu}). */
    public String specName() {
        return specName;
    }

    /** The {@code torch.nn} class ({@code Conv2d}, {@code LeakyReLU}). */
    public String torchName() {
        return torchName;
    }

    List<Param> params() {
        return params;
    }

    /** The layer's arguments with their defaults: {@code conv2d(out_channels, kernel_size, stride=1, padding=0, bias=true)}. */
    public String signature() {
        if (params.isEmpty()) {
            return specName;
        }
        StringBuilder sb = new StringBuilder(specName).append('(');
        for (int i = 0; i < params.size(); i++) {
            sb.append(i > 0 ? ", " : "").append(params.get(i));
        }
        return sb.append(')').toString();
    }

    /** The layer whose spec name is {@code name} (any case), or null. */
    static LayerKind byName(String name) {
        String wanted = name.toLowerCase(Locale.ROOT);
        for (LayerKind k : values()) {
            if (k.specName.equals(wanted)) {
                return k;
            }
        }
        return null;
    }

    /** All spec names, in declaration order. */
    public static List<String> names() {
        List<String> out = new ArrayList<>();
        for (LayerKind k : values()) {
            out.add(k.specName);
        }
        return out;
    }

    /**
     * The shape this layer makes of one sample of shape {@code in}; an {@link IllegalArgumentException} says why it cannot
     * take that input. Default, by the arguments PyTorch's layers share: a layer with a window ({@code kernel_size},
     * {@code stride}, {@code padding}) pools each channel with it (maxpool2d, avgpool2d); one with a {@code dim} keeps the
     * shape after checking the dimension exists (softmax, logsoftmax); any other keeps the shape (elementwise layers).
     */
    int[] outputShape(LayerSpec l, int[] in) {
        if (hasParam("kernel_size")) {
            return pool(l, in);
        }
        return hasParam("dim") ? checkDim(l, in) : in.clone();
    }

    private boolean hasParam(String name) {
        return params.stream().anyMatch(p -> p.name().equals(name));
    }

    /**
     * The module for an input of shape {@code in} (already checked by {@link #outputShape}), initial weights from {@code init}.
     * Default: the module of a layer without arguments.
     */
    Module build(LayerSpec l, int[] in, Generator init, Generator dropout) {
        return plain.get();
    }

    /** The {@code torch.nn} expression that builds the same module for an input of shape {@code in}, as {@link TorchArgs} says. */
    final String pytorch(LayerSpec l, int[] in) {
        List<String> args = new ArrayList<>();
        if (torchArgs.inputSize) {
            args.add(Integer.toString(in[0]));
        }
        for (int i = 0; i < params.size(); i++) {
            Param p = params.get(i);
            Object v = l.args().get(i);
            if (i < torchArgs.positional) {
                args.add(ArgType.python(v));
            } else if (p.type() != ArgType.BOOL || !v.equals(p.defaultValue())) {
                args.add(p.name() + "=" + ArgType.python(v));
            }
        }
        return "nn." + torchName + "(" + String.join(", ", args) + ")";
    }

    // ------------------------------------------------------------------------------------------------ shape rules

    private static void requireImage(int[] in) {
        if (in.length != 3) {
            throw new IllegalArgumentException("needs an input of shape [channels, height, width], got "
                    + (in.length == 1 ? "the flat input " : "input shape ") + Shape.format(in)
                    + (in.length == 2 ? " (give images as [1, " + in[0] + ", " + in[1] + "])" : ""));
        }
    }

    /** {@code floor((n + 2p - k)/s) + 1} along dimension {@code d} of an image shape, after checking the window fits. */
    private static int window(int[] in, int d, int k, int s, int p) {
        int padded = in[d] + 2 * p;
        if (k > padded) {
            throw new IllegalArgumentException("kernel_size " + k + " is larger than the padded input " + (in[1] + 2 * p) + "x"
                    + (in[2] + 2 * p) + " (input shape " + Shape.format(in) + ", padding " + p + ")");
        }
        return (padded - k) / s + 1;
    }

    private static int[] pool(LayerSpec l, int[] in) {
        requireImage(in);
        int k = l.intArg("kernel_size");
        int s = l.intArg("stride");
        int p = l.intArg("padding");
        if (p > k / 2) {
            throw new IllegalArgumentException("padding " + p + " must be at most half of kernel_size " + k);
        }
        return new int[] {in[0], window(in, 1, k, s, p), window(in, 2, k, s, p)};
    }

    private static int[] checkDim(LayerSpec l, int[] in) {
        int dim = l.intArg("dim");
        int rank = in.length + 1;
        if (dim < -rank || dim >= rank) {
            throw new IllegalArgumentException("dim " + dim + " is out of range for input shape " + Shape.format(in) + " with its batch "
                    + "dimension (dims " + -rank + ".." + (rank - 1) + ")");
        }
        return in.clone();
    }
}
