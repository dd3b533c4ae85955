package io.sparkgrad.nn.spec;

/**
 * A model spec that cannot be read or does not fit its input shape. The message names the layer (1-based index and
 * text), the column for a syntax error, and the shapes for a shape error.
 */
public final class ModelSpecException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ModelSpecException(String message) {
        super(message);
    }

    public ModelSpecException(String message, Throwable cause) {
        super(message, cause);
    }
}
