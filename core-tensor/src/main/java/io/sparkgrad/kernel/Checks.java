package io.sparkgrad.kernel;

/** Argument checks shared by the kernels; each message names the kernel, the operand and the sizes. */
final class Checks {

    private Checks() {
    }

    /** Requires {@code arr[off, off + size)} to exist. */
    static void range(String kernel, String operand, float[] arr, int off, long size) {
        range(kernel, operand, arr == null ? -1 : arr.length, off, size, "floats");
    }

    /** Requires {@code arr[off, off + size)} to exist. */
    static void range(String kernel, String operand, int[] arr, int off, long size) {
        range(kernel, operand, arr == null ? -1 : arr.length, off, size, "ints");
    }

    /** {@code length}: the array's, or -1 for a null array. */
    private static void range(String kernel, String operand, int length, int off, long size, String unit) {
        if (length < 0) {
            throw new IllegalArgumentException(kernel + ": " + operand + " is null but must hold " + size + " " + unit);
        }
        if (off < 0 || off + size > length) {
            throw new IllegalArgumentException(kernel + ": " + operand + " needs " + size + " " + unit + " from offset " + off
                    + " but its array has " + length);
        }
    }

    /** Like {@link #range(String, String, float[], int, long)} but a null array is allowed (an absent operand). */
    static void optionalRange(String kernel, String operand, float[] arr, int off, long size) {
        if (arr != null) {
            range(kernel, operand, arr, off, size);
        }
    }
}
