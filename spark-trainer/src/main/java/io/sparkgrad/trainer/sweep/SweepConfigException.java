package io.sparkgrad.trainer.sweep;

/** A sweep file or trial configuration that cannot be used; the message names the key and what is allowed. */
public class SweepConfigException extends IllegalArgumentException {
    public SweepConfigException(String message) {
        super(message);
    }
}
