package io.sparkgrad.trainer;

import io.sparkgrad.kernel.MeanGradient;
import io.sparkgrad.trainer.transport.AggregatedStep;

/**
 * The driver's update for one step, independent of Spark: check the step's sample count, turn the gradient sum
 * into the mean over the global batch, refuse (or skip) a non-finite step, and let the optimizer step.
 *
 * @param optimizer     the run's optimizer, stepped in place
 * @param globalBatch   samples every step must sum over
 * @param stepsPerEpoch steps of an epoch (for messages)
 * @param skipNonFinite skip a non-finite step instead of stopping the run
 */
record DriverStep(DriverOptimizer optimizer, int globalBatch, int stepsPerEpoch, boolean skipNonFinite) {

    /** What happened to a step. */
    enum Outcome { APPLIED, SKIPPED }

    /**
     * Applies the step to {@code params} in place (or not, if skipped). Overwrites {@code step.gradSum()}.
     *
     * @throws NonFiniteStepException when the loss or the gradient is NaN or infinite and skipping is off
     */
    Outcome apply(AggregatedStep step, float[] params) {
        if (step.stats().count() != globalBatch) {
            throw new TrainingException(where(step) + ": the workers summed " + step.stats().count()
                    + " samples, but the global batch is " + globalBatch);
        }
        float[] g = step.gradSum();
        if (g.length != params.length) {
            throw new TrainingException(where(step) + ": gradient of " + g.length + " values for " + params.length + " parameters");
        }
        MeanGradient.NonFinite bad = MeanGradient.divideInPlace(g, globalBatch);
        int nonFinite = bad.count();
        int firstBad = bad.first();
        boolean lossOk = Double.isFinite(step.stats().lossSum());
        if (nonFinite > 0 || !lossOk) {
            if (skipNonFinite) {
                return Outcome.SKIPPED;
            }
            StringBuilder m = new StringBuilder(where(step)).append(": ");
            if (!lossOk) {
                m.append("the loss is ").append(step.stats().lossSum());
            }
            if (nonFinite > 0) {
                m.append(lossOk ? "" : " and ").append("the gradient has ").append(nonFinite)
                        .append(" non-finite values (first at parameter index ").append(firstBad).append(": ").append(g[firstBad]).append(')');
            }
            m.append(". The run stops here; lower the learning rate, check the data, or set skipNonFiniteSteps(true)");
            throw new NonFiniteStepException(step.globalStep(), m.toString());
        }
        optimizer.step(params, g);
        return Outcome.APPLIED;
    }

    private String where(AggregatedStep step) {
        return "step " + step.globalStep() + " (epoch " + (step.epoch() + 1) + ", step " + (step.stepInEpoch() + 1) + " of "
                + stepsPerEpoch + ")";
    }
}
