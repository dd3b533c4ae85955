package io.sparkgrad.io;

/**
 * The safetensors element types Sparkgrad reads. F32 and I32 map to FLOAT32 and INT32 tensors and are what
 * {@link Safetensors#save} writes; I64 (PyTorch's class targets) is read into INT32 with a range check, and F64 is
 * read into FLOAT32 by rounding.
 */
public enum SafetensorsDtype {
    F32(4), I32(4), I64(8), F64(8);

    private final int bytes;

    SafetensorsDtype(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }
}
