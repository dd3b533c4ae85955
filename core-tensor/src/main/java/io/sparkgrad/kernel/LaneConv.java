package io.sparkgrad.kernel;

/**
 * Convolution with lanes over samples ({@link LaneLayout}): the path for convolutions of a batch, when the Vector API
 * is present. A vector holds one pixel of {@code lanes()} samples, so each multiply-add takes a whole input load and a
 * broadcast weight, with no gathers inside the loops; the zero border is the padding, so no tap is bounds-checked.
 * The layout pays when it is kept from one convolution to the next: the output is written in it (with a border for
 * the next layer's padding), the caller hands it on as a strided view, and the next convolution reads it in place.
 * Only a batch's entry and exit change layout ({@link #pack}, {@link #unpack}).
 *
 * <p>Results match {@link Conv2dKernel} to float rounding (the sums run in a different order); {@code LaneBench}
 * times both side by side on the tutorial's layers.
 */
public final class LaneConv {

    private static final boolean VECTOR = Gemm.vectorModulePresent();
    private static final int LANES = VECTOR ? Lanes.length() : 0;
    /**
     * Largest weight (floats) taken, as for {@link Conv2dKernel}'s direct path: the lanes were measured against it on
     * small layers only (the tutorial's); wide layers stay on im2col + GEMM, whose long k reuses packed panels.
     */
    private static final long MAX_WEIGHT = 1 << 15;

    private LaneConv() {
    }

    /** Samples per vector: the multiple a {@link LaneLayout}'s {@code npad} is rounded to (0 without the Vector API). */
    public static int lanes() {
        return LANES;
    }

    /**
     * Whether this convolution runs in lanes: the Vector API present, one group, a batch of at least one vector whose
     * rounding wastes at most a quarter of the lanes, and a weight of at most {@value #MAX_WEIGHT} floats.
     */
    public static boolean accepts(Conv2dGeometry g) {
        if (!VECTOR || g.groups() != 1 || g.n() < LANES) {
            return false;
        }
        int npad = (g.n() + LANES - 1) / LANES * LANES;
        return (npad - g.n()) * 4 <= npad && (long) g.o() * g.c() * g.kh() * g.kw() <= MAX_WEIGHT;
    }

    /** The border the input of {@code g} needs: its padding. */
    public static int inputBorder(Conv2dGeometry g) {
        return Math.max(g.padH(), g.padW());
    }

    /** NCHW {@code x} (at {@code xOff}) into {@code dst}, laid out as {@code l}, border and spare lanes zeroed. */
    public static void pack(float[] x, int xOff, LaneLayout l, float[] dst) {
        Checks.range("conv2d", "input", x, xOff, l.n() * l.c() * l.h() * l.w());
        Checks.range("conv2d", "lanes", dst, 0, l.floats());
        LaneKernels.pack(x, xOff, l, dst);
    }

    /** The view {@code l} of {@code src} as NCHW into {@code dst} from {@code dstOff}. */
    public static void unpack(float[] src, LaneLayout l, float[] dst, int dstOff) {
        Checks.range("conv2d", "lanes", src, 0, l.floats());
        Checks.range("conv2d", "output", dst, dstOff, l.n() * l.c() * l.h() * l.w());
        LaneKernels.unpack(src, l, dst, dstOff);
    }

    /** Whether every float of {@code a}'s border (laid out as {@code l}) is zero, as a convolution's padding must be. */
    public static boolean borderIsZero(float[] a, LaneLayout l) {
        return LaneKernels.borderIsZero(a, l);
    }

    /**
     * {@code y = conv2d(x, w) + bias}, through a ReLU when {@code relu} is set; {@code x} laid out as {@code xl}
     * (border at least the padding, and zero), {@code y} as {@code yl} (its border is zeroed, every lane written).
     */
    public static void forward(Conv2dGeometry g, float[] x, LaneLayout xl, float[] w, int wOff, float[] bias, int bOff,
            float[] y, LaneLayout yl, boolean relu) {
        checkInput(g, x, xl);
        Checks.range("conv2d", "weight", w, wOff, g.weightSize());
        Checks.optionalRange("conv2d", "bias", bias, bOff, g.o());
        checkLayout(yl, g.n(), g.o(), g.outH(), g.outW(), xl.npad(), "output");
        Checks.range("conv2d", "output", y, 0, yl.floats());
        LaneKernels.forward(g, x, xl, w, wOff, bias, bOff, y, yl, relu);
    }

    /**
     * The gradients of {@link #forward}: any of {@code gx}, {@code gw}, {@code gb} may be null to skip it.
     *
     * @param gy the output gradient, laid out as {@code gyl}, or NCHW contiguous at {@code gyOff} when {@code gyl} is
     *     null
     * @param y with a fused ReLU its output, laid out as {@code yl}; else null
     * @param gx the input gradient, written laid out as {@code xl} (every float, border and spare lanes included)
     * @param accumulate add into {@code gw} and {@code gb} instead of overwriting them
     */
    public static void backward(Conv2dGeometry g, float[] x, LaneLayout xl, float[] w, int wOff, float[] gy, int gyOff,
            LaneLayout gyl, float[] y, LaneLayout yl, float[] gx, float[] gw, int gwOff, float[] gb, int gbOff,
            boolean accumulate) {
        checkInput(g, x, xl);
        if (gyl != null) {
            checkLayout(gyl, g.n(), g.o(), g.outH(), g.outW(), xl.npad(), "output gradient");
            Checks.range("conv2d backward", "grad_output", gy, 0, gyl.floats());
        } else {
            Checks.range("conv2d backward", "grad_output", gy, gyOff, g.outputSize());
        }
        if (y != null) {
            checkLayout(yl, g.n(), g.o(), g.outH(), g.outW(), xl.npad(), "output");
            Checks.range("conv2d backward", "output", y, 0, yl.floats());
        }
        if (gx != null) {
            Checks.range("conv2d backward", "weight", w, wOff, g.weightSize());
            Checks.range("conv2d backward", "grad_input", gx, 0, xl.floats());
        }
        if (gw != null) {
            Checks.range("conv2d backward", "grad_weight", gw, gwOff, g.weightSize());
        }
        Checks.optionalRange("conv2d backward", "grad_bias", gb, gbOff, g.o());
        LaneKernels.Plan pl = LaneKernels.plan(g, xl, null);
        float[] gl = Scratch.floats(Scratch.LANE_GRAD, pl.gradFloats());
        LaneKernels.gradOutput(pl, g, gy, gyOff, gyl, y, yl, gl, gb, gbOff, accumulate);
        LaneKernels.backward(pl, x, xl, w, wOff, gl, gx, gw, gwOff, accumulate);
    }

    private static void checkInput(Conv2dGeometry g, float[] x, LaneLayout xl) {
        checkLayout(xl, g.n(), g.c(), g.h(), g.w(), xl.npad(), "input");
        if (xl.border() < inputBorder(g)) {
            throw new IllegalArgumentException("conv2d: the input's border " + xl.border() + " is narrower than the padding "
                    + inputBorder(g));
        }
        Checks.range("conv2d", "input", x, 0, xl.floats());
    }

    private static void checkLayout(LaneLayout l, int n, int c, int h, int w, int npad, String role) {
        if (l.n() != n || l.c() != c || l.h() != h || l.w() != w || l.npad() != npad || npad % LANES != 0) {
            throw new IllegalArgumentException("conv2d: the " + role + " layout " + l + " does not fit [" + n + ", " + c + ", "
                    + h + ", " + w + "] in lanes of " + npad);
        }
    }

    /** Kept apart so that {@link LaneConv} loads without the Vector API module. */
    private static final class Lanes {
        static int length() {
            return LaneKernels.L;
        }
    }
}
