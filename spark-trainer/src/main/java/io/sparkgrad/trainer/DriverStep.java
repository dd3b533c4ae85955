package io.sparkgrad.trainer;

import io.sparkgrad.kernel.NonFinite;
import io.sparkgrad.trainer.plan.BatchPlan;
import io.sparkgrad.trainer.transport.AggregatedStep;

/**
 * The driver's update for one step, independent of Spark: check the step's sample count, refuse (or skip) a
 * non-finite step, and let the optimizer step on the mean of the gradient sum over the step's samples.
 *
 * @param optimizer     the run's optimizer, stepped in place
 * @param plan          the epoch's plan: how many samples each step must sum over, and the steps (for messages)
 * @param skipNonFinite skip a non-finite step instead of stopping the run
 */
record DriverStep(DriverOptimizer optimizer, BatchPlan plan, boolean skipNonFinite) {

    /** What happened to a step. */
    enum Outcome { APPLIED, SKIPPED }

    /**
     * Applies the step to {@code params} in place (or not, if skipped). May overwrite {@code step.gradSum()}.
     *
     * @throws NonFiniteStepException when the loss or the gradient is NaN or infinite and skipping is off
     */
    Outcome apply(AggregatedStep step, float[] params) {
        final int samples = plan.samples(step.stepInEpoch());
        if (step.stats().count() != samples) {
            throw new TrainingException(where(step) + ": the workers summed " + step.stats().count()
                    + " samples, but the step has " + samples + (samples == plan.globalBatch() ? " (the global batch)"
                    : " (the epoch's last, partial batch; the global batch is " + plan.globalBatch() + ")"));
        }
        float[] g = step.gradSum();
        if (g.length != params.length) {
            throw new TrainingException(where(step) + ": gradient of " + g.length + " values for " + params.length + " parameters");
        }
        // The transport's sum looked as it added: a finite sum divided by samples >= 1 is finite, a NaN or infinite
        // one is not. The optimizer divides each element as it reads it (the bits of dividing here, one pass fewer).
        NonFinite bad = step.nonFinite();
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
                        .append(" non-finite values (first at parameter index ").append(firstBad).append(": ").append(g[firstBad] / samples)
                        .append(')');
            }
            m.append(". The run stops here; lower the learning rate, check the data, or set skipNonFiniteSteps(true)");
            throw new NonFiniteStepException(step.globalStep(), m.toString());
        }
        optimizer.stepOnSum(params, g, samples);
        return Outcome.APPLIED;
    }

    private String where(AggregatedStep step) {
        return "step " + step.globalStep() + " (epoch " + (step.epoch() + 1) + ", step " + (step.stepInEpoch() + 1) + " of "
                + plan.steps() + ")";
    }
}
