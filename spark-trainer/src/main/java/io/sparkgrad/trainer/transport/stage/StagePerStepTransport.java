package io.sparkgrad.trainer.transport.stage;

import io.sparkgrad.trainer.TrainingException;
import io.sparkgrad.trainer.plan.BatchPlan;
import io.sparkgrad.trainer.transport.AggregatedStep;
import io.sparkgrad.trainer.transport.EpochSpec;
import io.sparkgrad.trainer.transport.GradientSum;
import io.sparkgrad.trainer.transport.GradientTransport;
import io.sparkgrad.trainer.transport.StepHandler;
import io.sparkgrad.trainer.transport.TransportContext;
import io.sparkgrad.trainer.transport.TransportSession;
import io.sparkgrad.trainer.transport.WorkerSpec;
import org.apache.spark.broadcast.Broadcast;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One ordinary Spark job per step: the weights go out by broadcast, every partition computes its share as a task,
 * and the gradient sums come back by {@code treeAggregate}, whose zero value is an empty {@link GradientSum}
 * (no array until a contribution arrives, so nothing big ships inside the tasks).
 *
 * <p>Slower than the barrier transport (a Spark job costs 15-75 ms before any compute), but it needs nothing
 * special from the cluster: it works with dynamic allocation, with fewer slots than workers, and with Spark's
 * plain task retry; a re-run task recomputes exactly the same sum, so a failure changes nothing.
 */
public final class StagePerStepTransport implements GradientTransport {

    private final int treeDepth;

    /** With a {@code treeAggregate} depth of 2. */
    public StagePerStepTransport() {
        this(2);
    }

    /** @param treeDepth depth of Spark's {@code treeAggregate} (1 sends every partition's sum straight to the driver) */
    public StagePerStepTransport(int treeDepth) {
        if (treeDepth < 1) {
            throw new IllegalArgumentException("treeAggregate depth must be >= 1, got " + treeDepth);
        }
        this.treeDepth = treeDepth;
    }

    @Override
    public String name() {
        return "stage";
    }

    @Override
    public TransportSession open(TransportContext context) {
        return new Session(context);
    }

    private final class Session implements TransportSession {
        private final TransportContext ctx;
        private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sparkgrad-step-watchdog");
            t.setDaemon(true);
            return t;
        });

        Session(TransportContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void runEpoch(EpochSpec spec, float[] params, StepHandler handler) {
            BatchPlan plan = ctx.plan();
            int workers = plan.workers();
            long lastSumDone = -1;
            float[] current = params;
            for (int s = spec.firstStep(); s < plan.steps(); s++) {
                long globalStep = spec.globalStepBase() + s;
                if (Thread.currentThread().isInterrupted()) {
                    throw new TrainingException("interrupted before step " + globalStep + " (epoch " + (spec.epoch() + 1) + ", step "
                            + (s + 1) + " of " + plan.steps() + "); no Spark job was left running");
                }
                int[] offsets = new int[workers];
                int[] counts = new int[workers];
                for (int w = 0; w < workers; w++) {
                    offsets[w] = plan.offset(s, w);
                    counts[w] = plan.count(s, w);
                }
                ctx.spark().setJobDescription(spec.description() + ", step " + (s + 1) + "/" + plan.steps());
                // A copy: the optimizer updates the driver's array in place after the job.
                Broadcast<float[]> weights = ctx.spark().broadcast(current.clone());
                AtomicBoolean timedOut = new AtomicBoolean();
                ScheduledFuture<?> alarm = watchdog.schedule(() -> {
                    timedOut.set(true);
                    ctx.spark().cancelJobGroup(spec.jobGroup());
                }, ctx.stepTimeout().toMillis(), TimeUnit.MILLISECONDS);
                GradientSum sum;
                try {
                    sum = ctx.blocks()
                            .mapPartitionsWithIndex(new StepTask(WorkerSpec.of(ctx, spec.epoch()), globalStep, offsets, counts, weights), true)
                            .treeAggregate(new GradientSum(), GradientSum::merge, GradientSum::merge, treeDepth);
                } catch (Exception e) {
                    // Spark's job failures are Scala exceptions (checked in Java's eyes), thrown without declaration.
                    if (e instanceof InterruptedException || Thread.currentThread().isInterrupted()) {
                        // Spark stops waiting for an interrupted caller but leaves its job running: cancel it, so an
                        // interrupted run holds no executor slots and no stale step can land later.
                        ctx.spark().cancelJobGroup(spec.jobGroup());
                        Thread.currentThread().interrupt();
                        throw new TrainingException("interrupted during step " + globalStep + " (epoch " + (spec.epoch() + 1) + ", step "
                                + (s + 1) + " of " + plan.steps() + "); its Spark job was cancelled", e);
                    }
                    if (timedOut.get()) {
                        throw new TrainingException("step " + globalStep + " (epoch " + (spec.epoch() + 1) + ", step " + (s + 1)
                                + " of " + plan.steps() + ") timed out after " + ctx.stepTimeout().toMillis() / 1000.0
                                + " s; its Spark job was cancelled", e);
                    }
                    throw new TrainingException("step " + globalStep + " (epoch " + (spec.epoch() + 1) + ", step " + (s + 1)
                            + " of " + plan.steps() + ") failed: " + e.getMessage(), e);
                } finally {
                    alarm.cancel(false);
                    destroy(weights);
                }
                GradientSum.Result r = sum.result(workers);
                long now = System.nanoTime();
                long cycle = lastSumDone < 0 ? -1 : now - lastSumDone;
                lastSumDone = now;
                current = handler.onStep(new AggregatedStep(spec.epoch(), s, globalStep, r.gradSum(), r.nonFinite(), r.stats(),
                        r.maxComputeNanos(), cycle));
            }
        }

        /**
         * Destroys a step's broadcast. Spark's destroy waits for the executors, and a wait fails at once in an
         * interrupted thread: the interrupt is set aside for it and restored after, so cleanup still happens and the
         * step's own error is the one thrown.
         */
        private void destroy(Broadcast<float[]> weights) {
            boolean interrupted = Thread.interrupted();
            try {
                weights.destroy();
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void close() {
            watchdog.shutdownNow();
        }
    }
}
