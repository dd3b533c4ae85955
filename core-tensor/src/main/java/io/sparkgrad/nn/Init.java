package io.sparkgrad.nn;

import io.sparkgrad.tensor.Generator;
import io.sparkgrad.tensor.Shape;
import io.sparkgrad.tensor.Tensor;
import java.util.Locale;

/**
 * Parameter initialisation, as {@code torch.nn.init}: every function fills its tensor in place, outside autograd,
 * and returns it. Samples come from the given {@link Generator}, or from {@link Generator#global()}.
 */
public final class Init {
    private Init() {
    }

    /** Which fan scales the variance: {@code FAN_IN} keeps the forward pass's, {@code FAN_OUT} the backward pass's. */
    public enum FanMode { FAN_IN, FAN_OUT }

    /** The nonlinearities that {@link #calculateGain} knows, as PyTorch names them. */
    public enum Nonlinearity {
        LINEAR, CONV1D, CONV2D, CONV3D, CONV_TRANSPOSE1D, CONV_TRANSPOSE2D, CONV_TRANSPOSE3D, SIGMOID, TANH, RELU, LEAKY_RELU, SELU;

        /** Parses PyTorch's spelling ({@code "relu"}, {@code "leaky_relu"}, {@code "conv_transpose2d"}, ...). */
        public static Nonlinearity parse(String name) {
            try {
                return valueOf(name.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Unsupported nonlinearity " + name + "; expected one of linear, conv1d, conv2d, conv3d, "
                        + "conv_transpose1d, conv_transpose2d, conv_transpose3d, sigmoid, tanh, relu, leaky_relu, selu", e);
            }
        }
    }

    /** The recommended gain for a nonlinearity; leaky_relu uses the default negative slope 0.01. */
    public static double calculateGain(Nonlinearity nonlinearity) {
        return calculateGain(nonlinearity, 0.01);
    }

    /**
     * The recommended gain: 1 for linear, conv and sigmoid; 5/3 for tanh; sqrt(2) for relu;
     * {@code sqrt(2 / (1 + slope^2))} for leaky_relu with negative slope {@code param}; 3/4 for selu.
     */
    public static double calculateGain(Nonlinearity nonlinearity, double param) {
        return switch (nonlinearity) {
            case LINEAR, CONV1D, CONV2D, CONV3D, CONV_TRANSPOSE1D, CONV_TRANSPOSE2D, CONV_TRANSPOSE3D, SIGMOID -> 1.0;
            case TANH -> 5.0 / 3;
            case RELU -> Math.sqrt(2.0);
            case LEAKY_RELU -> Math.sqrt(2.0 / (1 + param * param));
            case SELU -> 3.0 / 4;
        };
    }

    /** {@code size(1) * receptive field}: the inputs that feed one output of a Linear or conv weight. */
    public static int fanIn(Tensor t) {
        requireFans(t);
        return t.size(1) * receptiveField(t);
    }

    /** {@code size(0) * receptive field}. */
    public static int fanOut(Tensor t) {
        requireFans(t);
        return t.size(0) * receptiveField(t);
    }

    private static void requireFans(Tensor t) {
        if (t.dim() < 2) {
            throw new IllegalArgumentException("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions (shape "
                    + Shape.format(t.shape()) + ")");
        }
    }

    private static int receptiveField(Tensor t) {
        int r = 1;
        for (int i = 2; i < t.dim(); i++) {
            r *= t.size(i);
        }
        return r;
    }

    /**
     * The default initialisation of a weighted layer, PyTorch's {@code reset_parameters} of {@code nn.Linear} and
     * {@code nn.Conv2d}: {@code kaiming_uniform_(weight, a=sqrt(5))}, which is uniform with bound
     * {@code 1/sqrt(fan_in)}, and the bias, when not null, uniform with the same bound.
     */
    public static void layerDefaults(Tensor weight, Tensor bias, Generator gen) {
        kaimingUniform(weight, Math.sqrt(5), FanMode.FAN_IN, Nonlinearity.LEAKY_RELU, gen);
        if (bias != null) {
            double bound = 1 / Math.sqrt(fanIn(weight));
            uniform(bias, -bound, bound, gen);
        }
    }

    /** Uniform samples in {@code [a, b)}. */
    public static Tensor uniform(Tensor t, double a, double b, Generator gen) {
        if (!(a <= b)) {
            throw new IllegalArgumentException("uniform: expected a <= b, got a=" + a + ", b=" + b);
        }
        float[] v = new float[t.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (a + (b - a) * gen.nextDouble());
        }
        return write(t, v);
    }

    public static Tensor uniform(Tensor t, double a, double b) {
        return uniform(t, a, b, Generator.global());
    }

    /** Normal samples with the given mean and standard deviation. */
    public static Tensor normal(Tensor t, double mean, double std, Generator gen) {
        if (std < 0) {
            throw new IllegalArgumentException("normal: expected std >= 0, got " + std);
        }
        float[] v = new float[t.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (mean + std * gen.nextGaussian());
        }
        return write(t, v);
    }

    public static Tensor normal(Tensor t, double mean, double std) {
        return normal(t, mean, std, Generator.global());
    }

    /** Every element set to {@code value}. */
    public static Tensor constant(Tensor t, double value) {
        try (var ignored = Tensor.noGrad()) {
            return t.fill_((float) value);
        }
    }

    public static Tensor zeros(Tensor t) {
        return constant(t, 0);
    }

    public static Tensor ones(Tensor t) {
        return constant(t, 1);
    }

    /** Glorot uniform: {@code U(-bound, bound)} with {@code bound = gain * sqrt(6 / (fan_in + fan_out))}. */
    public static Tensor xavierUniform(Tensor t, double gain, Generator gen) {
        double std = gain * Math.sqrt(2.0 / (fanIn(t) + fanOut(t)));
        double bound = Math.sqrt(3.0) * std;
        return uniform(t, -bound, bound, gen);
    }

    public static Tensor xavierUniform(Tensor t, double gain) {
        return xavierUniform(t, gain, Generator.global());
    }

    public static Tensor xavierUniform(Tensor t) {
        return xavierUniform(t, 1.0);
    }

    /** Glorot normal: {@code N(0, std^2)} with {@code std = gain * sqrt(2 / (fan_in + fan_out))}. */
    public static Tensor xavierNormal(Tensor t, double gain, Generator gen) {
        return normal(t, 0, gain * Math.sqrt(2.0 / (fanIn(t) + fanOut(t))), gen);
    }

    public static Tensor xavierNormal(Tensor t, double gain) {
        return xavierNormal(t, gain, Generator.global());
    }

    public static Tensor xavierNormal(Tensor t) {
        return xavierNormal(t, 1.0);
    }

    /**
     * He uniform: {@code U(-bound, bound)} with {@code bound = gain * sqrt(3 / fan)}, {@code gain =
     * calculateGain(nonlinearity, a)} and {@code fan} chosen by {@code mode}. With {@code a = sqrt(5)}, leaky_relu and
     * fan_in (what Linear and Conv2d use) the bound is {@code 1/sqrt(fan_in)}.
     *
     * @param a the negative slope of the leaky_relu that follows (ignored by other nonlinearities)
     */
    public static Tensor kaimingUniform(Tensor t, double a, FanMode mode, Nonlinearity nonlinearity, Generator gen) {
        double std = calculateGain(nonlinearity, a) / Math.sqrt(fan(t, mode));
        double bound = Math.sqrt(3.0) * std;
        return uniform(t, -bound, bound, gen);
    }

    public static Tensor kaimingUniform(Tensor t, double a, FanMode mode, Nonlinearity nonlinearity) {
        return kaimingUniform(t, a, mode, nonlinearity, Generator.global());
    }

    /** PyTorch's defaults: {@code a = 0}, fan_in, leaky_relu (so the gain is sqrt(2)). */
    public static Tensor kaimingUniform(Tensor t) {
        return kaimingUniform(t, 0, FanMode.FAN_IN, Nonlinearity.LEAKY_RELU);
    }

    /** He normal: {@code N(0, std^2)} with {@code std = gain / sqrt(fan)}. */
    public static Tensor kaimingNormal(Tensor t, double a, FanMode mode, Nonlinearity nonlinearity, Generator gen) {
        return normal(t, 0, calculateGain(nonlinearity, a) / Math.sqrt(fan(t, mode)), gen);
    }

    public static Tensor kaimingNormal(Tensor t, double a, FanMode mode, Nonlinearity nonlinearity) {
        return kaimingNormal(t, a, mode, nonlinearity, Generator.global());
    }

    public static Tensor kaimingNormal(Tensor t) {
        return kaimingNormal(t, 0, FanMode.FAN_IN, Nonlinearity.LEAKY_RELU);
    }

    private static int fan(Tensor t, FanMode mode) {
        int f = mode == FanMode.FAN_IN ? fanIn(t) : fanOut(t);
        if (f == 0) {
            throw new IllegalArgumentException("cannot initialise a tensor of shape " + Shape.format(t.shape()) + " with a zero "
                    + mode.name().toLowerCase(Locale.ROOT));
        }
        return f;
    }

    /** Copies {@code values} into {@code t} in place, outside autograd (so a Parameter's flat-buffer view stays a view). */
    private static Tensor write(Tensor t, float[] values) {
        try (var ignored = Tensor.noGrad()) {
            return t.copy_(Tensor.of(values, t.shape()));
        }
    }
}
