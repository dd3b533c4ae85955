package io.sparkgrad.trainer;

/** A step's loss or gradient was NaN or infinite and the run was not told to skip such steps. */
public final class NonFiniteStepException extends TrainingException {

    private static final long serialVersionUID = 1L;
    private final long step;

    public NonFiniteStepException(long step, String message) {
        super(message);
        this.step = step;
    }

    /** The run's 0-based step number at which the non-finite value appeared. */
    public long step() {
        return step;
    }
}
