package io.sparkgrad.kernel;

/** Argument checks shared by the kernels; each message names the kernel, the operand and the sizes. */
final class Checks {

    private Checks() {
    }

    /** Requires {@code arr[off, off + size)} to exist. */
    static void range(String kernel, String operand, float[] arr, int off, long size) {
        if (arr == null) {
            throw new IllegalArgumentException(kernel + ": " + operand + " is null but must hold " + size + " floats");
        }
        if (off < 0 || off + size > arr.length) {
            throw new IllegalArgumentException(kernel + ": " + operand + " needs " + size + " floats from offset " + off
                    + " but its array has " + arr.length);
        }
    }

    /** Requires {@code arr[off, off + size)} to exist. */
    static void range(String kernel, String operand, int[] arr, int off, long size) {
        if (arr == null) {
            throw new IllegalArgumentException(kernel + ": " + operand + " is null but must hold " + size + " ints");
        }
        if (off < 0 || off + size > arr.length) {
            throw new IllegalArgumentException(kernel + ": " + operand + " needs " + size + " ints from offset " + off
                    + " but its array has " + arr.length);
        }
    }

    /** Like {@link #range(String, String, float[], int, long)} but a null array is allowed (an absent operand). */
    static void optionalRange(String kernel, String operand, float[] arr, int off, long size) {
        if (arr != null) {
            range(kernel, operand, arr, off, size);
        }
    }
}
