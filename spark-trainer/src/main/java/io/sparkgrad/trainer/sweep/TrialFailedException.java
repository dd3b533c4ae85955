package io.sparkgrad.trainer.sweep;

/** A trial that cannot go on, for a reason that would recur on a retry (non-finite loss, bad configuration). */
public class TrialFailedException extends RuntimeException {
    public TrialFailedException(String message) {
        super(message);
    }
}
