package io.sparkgrad.io;

import java.io.IOException;

/** A safetensors file (or stream) whose header or data is malformed; the message names the source and the tensor. */
public final class SafetensorsException extends IOException {
    private static final long serialVersionUID = 1L;

    public SafetensorsException(String message) {
        super(message);
    }

    public SafetensorsException(String message, Throwable cause) {
        super(message, cause);
    }
}
