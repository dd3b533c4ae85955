package io.sparkgrad.ingest.mnist;

/**
 * How a pixel byte (0-255) becomes a float. Each value is computed in float exactly as the PyTorch expression
 * in its description, so scaled images match PyTorch's bit for bit.
 */
public enum PixelScaling {
    /** The byte value itself: 0.0 to 255.0. */
    NONE,
    /** {@code v / 255f}: 0.0 to 1.0 (torchvision's {@code ToTensor}). */
    DIV_255,
    /** {@code v / 256f}: 0.0 to 0.99609375, the scaling of the "What is torch.nn really?" tutorial's pickle. */
    DIV_256,
    /** {@code (v / 255f - 0.1307f) / 0.3081f}: {@code ToTensor} then {@code Normalize((0.1307,), (0.3081,))}. */
    NORMALIZE;

    /** MNIST's mean pixel value after {@link #DIV_255}. */
    public static final float MEAN = 0.1307f;
    /** MNIST's pixel standard deviation after {@link #DIV_255}. */
    public static final float STD = 0.3081f;

    /** The float for pixel value {@code v} (0-255). */
    public float apply(int v) {
        return switch (this) {
            case NONE -> v;
            case DIV_255 -> v / 255f;
            case DIV_256 -> v / 256f;
            case NORMALIZE -> (v / 255f - MEAN) / STD;
        };
    }

    /** The 256-entry table {@code t[v] = apply(v)}: scaling a byte is then one array load. */
    public float[] table() {
        float[] t = new float[256];
        for (int v = 0; v < 256; v++) {
            t[v] = apply(v);
        }
        return t;
    }
}
