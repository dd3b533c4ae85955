package io.sparkgrad.ingest.idx;

import java.util.Arrays;

/**
 * The header of an IDX file: element type and dimensions. The first dimension counts records; one record holds
 * the product of the other dimensions' elements (a 28x28 image in MNIST's image files, one label in the label
 * files).
 *
 * @param type the element type
 * @param dims the dimensions, outermost (the record count) first; at least one
 */
public record IdxHeader(IdxType type, int[] dims) {

    public IdxHeader {
        if (dims.length == 0 || dims.length > 255) {
            throw new IllegalArgumentException("an IDX file has 1 to 255 dimensions, not " + dims.length);
        }
        for (int d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("IDX dimensions must not be negative: " + Arrays.toString(dims));
            }
        }
        dims = dims.clone();
        long elements = 1;
        try {
            for (int i = 1; i < dims.length; i++) {
                elements = Math.multiplyExact(elements, dims[i]);
            }
            Math.addExact(4L + 4L * dims.length, Math.multiplyExact((long) dims[0], Math.multiplyExact(elements, type.size())));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("IDX dimensions " + Arrays.toString(dims) + " of " + type
                    + " describe more than 2^63-1 bytes; the header is corrupt", e);
        }
    }

    /** Bytes of the header: the 4-byte magic number and one 4-byte size per dimension. */
    public int headerBytes() {
        return 4 + 4 * dims.length;
    }

    /** The number of records (the first dimension). */
    public long records() {
        return dims[0];
    }

    /** Elements per record: the product of the dimensions after the first (1 for a 1-D file; never overflows, see the constructor). */
    public long recordElements() {
        long n = 1;
        for (int i = 1; i < dims.length; i++) {
            n *= dims[i];
        }
        return n;
    }

    /** Bytes per record. */
    public long recordBytes() {
        return recordElements() * type.size();
    }

    /** Bytes of the whole (uncompressed) file: header plus all records. */
    public long fileBytes() {
        return headerBytes() + records() * recordBytes();
    }

    /** The dimensions (a copy). */
    @Override
    public int[] dims() {
        return dims.clone();
    }

    /** The magic number: two zero bytes, the type code, the number of dimensions. */
    public int magic() {
        return (type.code() << 8) | dims.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IdxHeader h && h.type == type && Arrays.equals(h.dims, dims);
    }

    @Override
    public int hashCode() {
        return type.hashCode() * 31 + Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return "IDX " + type + " " + Arrays.toString(dims);
    }
}
