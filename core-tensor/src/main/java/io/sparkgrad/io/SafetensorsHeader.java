package io.sparkgrad.io;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The validated header of a safetensors file: the tensors in data order with their dtype, shape and byte range
 * (relative to the start of the data section), and the free-form {@code __metadata__} strings.
 *
 * @param tensors the entries by name, in the order their data appears
 * @param metadata the {@code __metadata__} map (empty when absent), in file order
 * @param headerBytes N, the length of the JSON header including its padding
 * @param dataBytes the length of the data section the tensors cover
 */
public record SafetensorsHeader(LinkedHashMap<String, TensorInfo> tensors, Map<String, String> metadata, long headerBytes, long dataBytes) {

    public SafetensorsHeader {
        tensors = new LinkedHashMap<>(tensors);
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** A copy of the entries (the record's map is not shared). */
    @Override
    public LinkedHashMap<String, TensorInfo> tensors() {
        return new LinkedHashMap<>(tensors);
    }

    /** Where one tensor's data lies: bytes {@code [begin, end)} of the data section. */
    public record TensorInfo(String name, SafetensorsDtype dtype, int[] shape, long begin, long end) {

        public TensorInfo {
            shape = shape.clone();
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }

        /** The number of elements (1 for a 0-dimensional tensor). */
        public long numel() {
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            return n;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape) && begin == t.begin
                    && end == t.end;
        }

        @Override
        public int hashCode() {
            return 31 * (31 * name.hashCode() + dtype.hashCode()) + Arrays.hashCode(shape) + Long.hashCode(begin) * 7 + Long.hashCode(end);
        }

        @Override
        public String toString() {
            return name + ": " + dtype + " " + Arrays.toString(shape) + " bytes [" + begin + ", " + end + ")";
        }
    }
}
