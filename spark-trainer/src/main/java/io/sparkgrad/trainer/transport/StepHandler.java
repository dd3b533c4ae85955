package io.sparkgrad.trainer.transport;

/** The driver-side step: the trainer's reaction to one step's summed gradients. */
@FunctionalInterface
public interface StepHandler {

    /**
     * Called on the driver, in step order, once every worker's contribution to a step is in.
     *
     * @return the weights for the next step (the session sends them to the workers); may be the same array it was
     *         given earlier, updated in place
     * @throws RuntimeException to stop the run (non-finite loss, for example); the session aborts the workers
     */
    float[] onStep(AggregatedStep step);
}
