package io.sparkgrad.cuda;

/** A CUDA driver call failed; the message names the call and the {@code CUresult}. */
public final class CudaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int code;

    public CudaException(String message, int code) {
        super(message);
        this.code = code;
    }

    /** The driver's {@code CUresult} code. */
    public int code() {
        return code;
    }
}
