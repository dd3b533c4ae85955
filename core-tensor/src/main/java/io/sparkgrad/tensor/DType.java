package io.sparkgrad.tensor;

/** Element type of a {@link Tensor}. */
public enum DType {
    /** 32-bit float: everything that is differentiated. */
    FLOAT32,
    /** 32-bit int: class labels and indices (PyTorch's int64 targets read into it). */
    INT32
}
