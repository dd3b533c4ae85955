package io.sparkgrad.ingest.idx;

/**
 * The element types of the IDX format (the third byte of the magic number). Multi-byte elements are big-endian.
 */
public enum IdxType {
    /** 0x08: unsigned 8-bit integer (MNIST's pixels and labels). */
    UNSIGNED_BYTE(0x08, 1, true),
    /** 0x09: signed 8-bit integer. */
    BYTE(0x09, 1, true),
    /** 0x0B: signed 16-bit integer. */
    SHORT(0x0B, 2, true),
    /** 0x0C: signed 32-bit integer. */
    INT(0x0C, 4, true),
    /** 0x0D: 32-bit IEEE float. */
    FLOAT(0x0D, 4, false),
    /** 0x0E: 64-bit IEEE float. */
    DOUBLE(0x0E, 8, false);

    private final int code;
    private final int size;
    private final boolean integral;

    IdxType(int code, int size, boolean integral) {
        this.code = code;
        this.size = size;
        this.integral = integral;
    }

    /** The type code in the magic number. */
    public int code() {
        return code;
    }

    /** Bytes per element. */
    public int size() {
        return size;
    }

    /** Whether the elements are integers (and so readable as {@code int}). */
    public boolean integral() {
        return integral;
    }

    /** The smallest value an element of this type holds. */
    public double min() {
        return switch (this) {
            case UNSIGNED_BYTE -> 0;
            case BYTE -> Byte.MIN_VALUE;
            case SHORT -> Short.MIN_VALUE;
            case INT -> Integer.MIN_VALUE;
            case FLOAT -> -Float.MAX_VALUE;
            case DOUBLE -> -Double.MAX_VALUE;
        };
    }

    /** The largest value an element of this type holds. */
    public double max() {
        return switch (this) {
            case UNSIGNED_BYTE -> 255;
            case BYTE -> Byte.MAX_VALUE;
            case SHORT -> Short.MAX_VALUE;
            case INT -> Integer.MAX_VALUE;
            case FLOAT -> Float.MAX_VALUE;
            case DOUBLE -> Double.MAX_VALUE;
        };
    }

    /** The type with this code, or null when no IDX type has it. */
    public static IdxType ofCode(int code) {
        for (IdxType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }
}
