package io.sparkgrad.trainer;

/** A training run stopped: a step timed out, a worker failed for good, a step was not finite, or a checkpoint failed. */
public class TrainingException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public TrainingException(String message) {
        super(message);
    }

    public TrainingException(String message, Throwable cause) {
        super(message, cause);
    }
}
