package io.sparkgrad.trainer.transport;

/**
 * How the gradient sums of a step travel from the workers to the driver and the new weights travel back. The
 * trainer is written once against this interface: it hands a session an epoch to run and a {@link StepHandler}
 * that turns each step's summed gradient into the next weights, and the session decides how tasks are launched
 * and how bytes move.
 *
 * <p>Implementations: {@link io.sparkgrad.trainer.transport.barrier.BarrierTransport} (one gang-scheduled stage per
 * epoch and a socket to an aggregation server on the driver; the default) and
 * {@link io.sparkgrad.trainer.transport.stage.StagePerStepTransport} (one ordinary Spark job per step).
 */
public interface GradientTransport {

    /** Short name used in job descriptions, metrics and benchmark lines ({@code barrier}, {@code stage}). */
    String name();

    /** Starts a session for one training run (servers, thread pools); the trainer closes it when the run ends. */
    TransportSession open(TransportContext context);
}
