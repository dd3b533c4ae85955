package io.sparkgrad.kernel;

/**
 * Where a batch of images lives in a "lanes over samples" buffer: element {@code (n, c, y, x)} at
 * {@code ((c * hp + y + border) * wp + x + border) * npad + n}, with {@code hp = h + 2 border},
 * {@code wp = w + 2 border} and {@code npad} the batch rounded up to whole vectors. A vector load at any pixel then
 * holds that pixel of {@code L} consecutive samples, so a convolution broadcasts weights and loads inputs whole; the
 * zero border stands in for the convolution's padding. Seen from a tensor it is a strided NCHW view (strides
 * {@link #strides()}, offset {@link #offset()}) of a buffer of {@link #floats()} floats.
 *
 * @param n samples
 * @param c channels
 * @param h height without the border
 * @param w width without the border
 * @param border zero pixels around each plane
 * @param npad samples rounded up to a multiple of the vector length
 */
public record LaneLayout(int n, int c, int h, int w, int border, int npad) {

    /** The layout of {@code n} samples of {@code [c, h, w]} with this border, lanes rounded up to {@code lanes}. */
    public static LaneLayout of(int n, int c, int h, int w, int border, int lanes) {
        return new LaneLayout(n, c, h, w, border, (n + lanes - 1) / lanes * lanes);
    }

    public int hp() {
        return h + 2 * border;
    }

    public int wp() {
        return w + 2 * border;
    }

    /** Floats between one channel's plane and the next. */
    public int channelStride() {
        return hp() * wp() * npad;
    }

    /** Size of the whole buffer. */
    public int floats() {
        return c * channelStride();
    }

    /** Index of element {@code (0, 0, 0, 0)}. */
    public int offset() {
        return (border * wp() + border) * npad;
    }

    /** Index of pixel {@code (y, x)} of channel 0, sample 0 (y and x may reach into the border). */
    public int at(int y, int x) {
        return ((y + border) * wp() + x + border) * npad;
    }

    /** The NCHW strides of the view: sample, channel, row, column. */
    public int[] strides() {
        return new int[] {1, channelStride(), wp() * npad, npad};
    }

    /** The NCHW shape of the view. */
    public int[] shape() {
        return new int[] {n, c, h, w};
    }

    /**
     * The layout a tensor with this shape, strides and storage offset has, if it is one (any border), else null.
     * Does not look at the values: whether the border holds zeros is {@link LaneConv#borderIsZero}'s question.
     */
    public static LaneLayout recognise(int[] shape, int[] strides, int offset, int storageLength, int lanes) {
        if (shape.length != 4 || strides[0] != 1 || shape[0] < 1) {
            return null;
        }
        int npad = strides[3];
        if (npad < shape[0] || npad % lanes != 0 || strides[2] % npad != 0) {
            return null;
        }
        int wp = strides[2] / npad;
        int twice = wp - shape[3];
        if (twice < 0 || twice % 2 != 0) {
            return null;
        }
        int border = twice / 2;
        LaneLayout l = new LaneLayout(shape[0], shape[1], shape[2], shape[3], border, npad);
        if (strides[1] != l.channelStride() || offset != l.offset() || storageLength < l.floats()) {
            return null;
        }
        return l;
    }
}
