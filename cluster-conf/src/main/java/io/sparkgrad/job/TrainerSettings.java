package io.sparkgrad.job;

import io.sparkgrad.conf.OptimizerConfig;
import io.sparkgrad.conf.Transport;
import io.sparkgrad.trainer.optim.EngineOptimizer;
import io.sparkgrad.trainer.transport.GradientTransport;
import io.sparkgrad.trainer.transport.barrier.BarrierTransport;
import io.sparkgrad.trainer.transport.stage.StagePerStepTransport;

/** The trainer's parts named by the configuration: the driver's optimizer and the gradient transport. */
public final class TrainerSettings {
    private TrainerSettings() {
    }

    /**
     * core-tensor's SGD, Adam or AdamW with the configured hyperparameters (PyTorch's meanings) and learning-rate
     * schedule. A cosine schedule spans the whole run: the trainer sets its length, epochs x steps per epoch, when it
     * has planned the run ({@link EngineOptimizer#forRun}).
     */
    public static EngineOptimizer optimizer(OptimizerConfig o) {
        EngineOptimizer optimizer = switch (o.name()) {
            case SGD -> EngineOptimizer.sgd(o.lr(), o.momentum(), o.dampening(), o.weightDecay(), o.nesterov());
            case ADAM -> EngineOptimizer.adam(o.lr(), o.betas().get(0), o.betas().get(1), o.eps(), o.weightDecay());
            case ADAMW -> EngineOptimizer.adamw(o.lr(), o.betas().get(0), o.betas().get(1), o.eps(), o.weightDecay());
        };
        return switch (o.schedule()) {
            case CONSTANT -> optimizer;
            case COSINE -> optimizer.withCosineAnnealingOverRun(o.minLr());
        };
    }

    /** The barrier transport (one barrier stage per epoch, socket channel) or one Spark stage per step. */
    public static GradientTransport transport(Transport t) {
        return switch (t) {
            case BARRIER -> new BarrierTransport();
            case STAGE -> new StagePerStepTransport();
        };
    }
}
