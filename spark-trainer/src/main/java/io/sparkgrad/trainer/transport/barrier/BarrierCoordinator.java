package io.sparkgrad.trainer.transport.barrier;

import io.sparkgrad.trainer.TrainingException;
import io.sparkgrad.trainer.plan.BatchPlan;
import io.sparkgrad.trainer.transport.AggregatedStep;
import io.sparkgrad.trainer.transport.EpochSpec;
import io.sparkgrad.trainer.transport.GradientSum;
import io.sparkgrad.trainer.transport.StepHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The driver's side of one barrier epoch, on the thread that called {@code fit}: it consumes the server's events,
 * keeps the step counter, and sums a step once every worker's contribution to that very step is in.
 *
 * <p>Faults: a worker that reports an error or whose connection drops mid-epoch breaks the gang, so the coordinator
 * closes every connection of the epoch (their tasks end at once instead of waiting on a socket) and forgets the
 * partial sums of the step in flight. Spark relaunches the whole barrier stage; the new tasks authenticate with a
 * higher stage attempt, and each is told the current step and weights. The step counter only advances when a
 * complete sum is applied, and a worker's contribution counts only for the step the driver is at, so no step is
 * ever applied twice; re-run tasks recompute exactly the lost step (same weights, same samples, same seeds).
 *
 * <p>Gang scheduling: Spark launches a barrier stage only when all its tasks fit at once, so when other runs' gangs
 * hold the task slots, this epoch's gang waits. Until a worker of the gang has joined (at the epoch's start, and again
 * after a broken gang) the coordinator waits up to the gang-scheduling timeout, reporting "waiting for N barrier
 * slots" through its status callback; the step timeout counts only from the gang's first join.
 */
final class BarrierCoordinator {

    private static final Logger LOG = LoggerFactory.getLogger(BarrierCoordinator.class);
    private static final long POLL_MILLIS = 50;
    /** A gang normally joins within a second: report the wait after this, then every {@link #WAIT_REPORT_EVERY_NANOS}. */
    private static final long WAIT_REPORT_AFTER_NANOS = 2_000_000_000L;
    private static final long WAIT_REPORT_EVERY_NANOS = 30_000_000_000L;
    /** How long an abort waits for its ABORT frames to be written before it closes the connections instead. */
    static final Duration ABORT_WAIT = Duration.ofSeconds(1);

    private final AggregationServer server;
    private final BatchPlan plan;
    private final int numParameters;
    private final Duration stepTimeout;
    private final Duration gangTimeout;
    private final Consumer<String> status;

    /** With the step timeout as gang-scheduling timeout too, and no status reports. */
    BarrierCoordinator(AggregationServer server, BatchPlan plan, int numParameters, Duration stepTimeout) {
        this(server, plan, numParameters, stepTimeout, stepTimeout, message -> { });
    }

    /**
     * @param gangTimeout how long the epoch's gang may wait to be scheduled (no worker joined yet) before the run fails
     * @param status      told, on the driver's thread, what the epoch waits for while its gang is not scheduled
     */
    BarrierCoordinator(AggregationServer server, BatchPlan plan, int numParameters, Duration stepTimeout, Duration gangTimeout,
                       Consumer<String> status) {
        this.server = server;
        this.plan = plan;
        this.numParameters = numParameters;
        this.stepTimeout = stepTimeout;
        this.gangTimeout = gangTimeout;
        this.status = status;
    }

    /** Runs the epoch's steps from {@code spec.firstStep()}; returns once the job has finished. */
    void run(EpochSpec spec, float[] initialParams, StepHandler handler, JobHandle job) {
        new EpochRun(spec, initialParams, handler, job).loop();
    }

    private final class EpochRun {
        final EpochSpec spec;
        final StepHandler handler;
        final JobHandle job;
        final int workers = plan.workers();
        final WorkerLink[] conns = new WorkerLink[workers];
        final ServerEvent.Contribution[] pending = new ServerEvent.Contribution[workers];
        int pendingCount;
        int step;
        boolean done;
        int attempt = -1;
        /**
         * The step's weights as the workers get them: the caller's array, then whatever the handler returns. The
         * writer threads read it while they seal the frames, so it changes only after every live connection's
         * weights frame is written ({@link #applyStep}).
         */
        float[] weights;
        long lastProgress = System.nanoTime();
        long lastSumDone = -1;
        String lastFailure;
        /** True until a worker of the current gang joins: Spark has not scheduled the gang yet. */
        boolean awaitingGang = true;
        long gangWaitStart = System.nanoTime();
        long nextWaitReport = gangWaitStart + WAIT_REPORT_AFTER_NANOS;

        EpochRun(EpochSpec spec, float[] params, StepHandler handler, JobHandle job) {
            this.spec = spec;
            this.handler = handler;
            this.job = job;
            this.step = spec.firstStep();
            this.done = step >= plan.steps();
            this.weights = params;
        }

        long globalStep() {
            return spec.globalStepBase() + step;
        }

        void loop() {
            try {
                while (true) {
                    ServerEvent ev = server.events().poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
                    if (ev != null) {
                        handle(ev);
                    }
                    if (job.isDone()) {
                        Throwable failure = job.failure();
                        if (failure == null && done) {
                            return;
                        }
                        throw new TrainingException(failureMessage(failure == null
                                ? "the epoch's Spark job finished before the epoch was complete" : "the epoch's Spark job failed"),
                                failure);
                    }
                    long now = System.nanoTime();
                    if (!done && awaitingGang) {
                        if (now - gangWaitStart > gangTimeout.toNanos()) {
                            throw new TrainingException("epoch " + (spec.epoch() + 1) + " at step " + globalStep() + ": " + waitingMessage(now)
                                    + ": the gang-scheduling timeout of " + gangTimeout.toSeconds() + " s passed; free task slots, "
                                    + "run fewer runs at once, or raise gangSchedulingTimeout");
                        }
                        if (now >= nextWaitReport) {
                            nextWaitReport = now + WAIT_REPORT_EVERY_NANOS;
                            String m = waitingMessage(now);
                            LOG.info("Sparkgrad: epoch {} is {}", spec.epoch() + 1, m);
                            status.accept(m);
                        }
                    } else if (now - lastProgress > stepTimeout.toNanos()) {
                        // After the last step the tasks only report and exit; one that stalls there fails the epoch too.
                        throw new TrainingException(done ? afterLastStepMessage() : timeoutMessage());
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                abort("the driver was interrupted");
                throw new TrainingException("interrupted while running epoch " + (spec.epoch() + 1), e);
            } catch (RuntimeException e) {
                abort(e.getMessage() == null ? e.toString() : e.getMessage());
                throw e;
            } finally {
                for (ServerEvent.Contribution c : pending) {
                    if (c != null) {
                        c.connection().consumed();
                    }
                }
                for (WorkerLink c : conns) {
                    if (c != null) {
                        c.close("epoch over");
                    }
                }
            }
        }

        void handle(ServerEvent ev) throws InterruptedException {
            WorkerLink c = ev.connection();
            if (ev instanceof ServerEvent.Joined) {
                join(c);
            } else if (ev instanceof ServerEvent.Contribution con) {
                contribute(con);
            } else if (ev instanceof ServerEvent.WorkerFailed f) {
                if (conns[c.worker()] == c) {
                    lastFailure = c + " failed at step " + f.step() + ": " + f.message();
                    LOG.warn("Sparkgrad: {}; closing the epoch's connections so Spark can relaunch the barrier stage", lastFailure);
                    breakGang();
                }
            } else if (ev instanceof ServerEvent.Closed closed) {
                if (conns[c.worker()] == c) {
                    conns[c.worker()] = null;
                    if (!done) {
                        if (lastFailure == null || !lastFailure.startsWith(c.toString())) {
                            lastFailure = c + " disconnected at step " + globalStep() + ": " + closed.reason();
                        }
                        LOG.warn("Sparkgrad: {}; closing the epoch's connections so Spark can relaunch the barrier stage", lastFailure);
                        breakGang();
                    }
                }
            }
        }

        void join(WorkerLink c) {
            if (c.epoch() != spec.epoch() || c.stageAttempt() < attempt) {
                c.close("stale task: epoch " + c.epoch() + " stage attempt " + c.stageAttempt() + " while the driver runs epoch "
                        + spec.epoch() + " attempt " + attempt);
                return;
            }
            if (c.stageAttempt() > attempt) {
                if (attempt >= 0) {
                    LOG.warn("Sparkgrad: barrier stage attempt {} of epoch {} joins at step {}", c.stageAttempt(), spec.epoch() + 1, globalStep());
                    breakGang();
                }
                attempt = c.stageAttempt();
            }
            int w = c.worker();
            if (conns[w] != null) {
                drop(w);
                conns[w].close("replaced by a new connection of the same worker");
            }
            conns[w] = c;
            lastProgress = System.nanoTime();
            awaitingGang = false;
            if (done) {
                c.sendEnd(globalStep());
            } else {
                sendParams(c);
            }
        }

        void contribute(ServerEvent.Contribution con) throws InterruptedException {
            WorkerLink c = con.connection();
            int w = c.worker();
            if (conns[w] != c) {
                c.consumed();
                return;
            }
            if (done || con.step() != globalStep() || pending[w] != null) {
                String why = done ? "after the epoch ended" : pending[w] != null ? "twice for step " + con.step()
                        : "for step " + con.step() + " while the driver is at step " + globalStep();
                c.consumed();
                c.close("protocol error: gradient sent " + why);
                conns[w] = null;
                lastFailure = c + " sent a gradient " + why;
                breakGang();
                return;
            }
            pending[w] = con;
            pendingCount++;
            if (pendingCount == workers) {
                applyStep();
            }
        }

        void applyStep() throws InterruptedException {
            GradientSum sum = new GradientSum();
            for (int w = 0; w < workers; w++) {
                ServerEvent.Contribution con = pending[w];
                sum.add(w, con.stats(), con.grad(), con.computeNanos());
            }
            GradientSum.Result r = sum.result(workers);
            long now = System.nanoTime();
            long cycle = lastSumDone < 0 ? -1 : now - lastSumDone;
            lastSumDone = now;
            // The handler updates the weights in place: every worker has read them whole (it sent its gradient), so
            // this only makes the end of each writer's frame visible before the array changes.
            for (WorkerLink c : conns) {
                if (c != null) {
                    c.awaitWeightsWritten(stepTimeout);
                }
            }
            float[] next = handler.onStep(new AggregatedStep(spec.epoch(), step, globalStep(), r.gradSum(), r.nonFinite(), r.stats(),
                    r.maxComputeNanos(), cycle));
            for (int w = 0; w < workers; w++) {
                pending[w].connection().consumed();
                pending[w] = null;
            }
            pendingCount = 0;
            step++;
            lastProgress = System.nanoTime();
            if (step >= plan.steps()) {
                done = true;
                for (WorkerLink c : conns) {
                    if (c != null) {
                        c.sendEnd(globalStep());
                    }
                }
            } else {
                weights = next;
                for (WorkerLink c : conns) {
                    if (c != null) {
                        sendParams(c);
                    }
                }
            }
        }

        void sendParams(WorkerLink c) {
            int w = c.worker();
            c.sendParams(globalStep(), plan.offset(step, w), plan.count(step, w), weights, numParameters);
        }

        void drop(int w) {
            if (pending[w] != null) {
                pending[w].connection().consumed();
                pending[w] = null;
                pendingCount--;
            }
        }

        /** Closes every connection of the epoch and forgets the step in flight; Spark relaunches the gang. */
        void breakGang() {
            for (int w = 0; w < workers; w++) {
                drop(w);
                if (conns[w] != null) {
                    conns[w].close("another worker of the barrier stage failed");
                    conns[w] = null;
                }
            }
            lastSumDone = -1;
            // Spark relaunches the gang, which may wait for slots again (other runs may have taken them meanwhile).
            awaitingGang = true;
            gangWaitStart = System.nanoTime();
            nextWaitReport = gangWaitStart + WAIT_REPORT_AFTER_NANOS;
        }

        String waitingMessage(long now) {
            return "waiting for " + workers + " barrier slots (its gang of " + workers + " tasks starts only when all fit at "
                    + "once; other jobs hold the slots) for " + (now - gangWaitStart) / 1_000_000_000L + " s";
        }

        /**
         * Cancels the job, then tells the workers why, waiting at most {@link #ABORT_WAIT} in all: a worker that
         * stopped reading (its socket full, a write of the weights stuck in it) is closed instead of waited for.
         */
        void abort(String message) {
            // Cancel first: telling the workers writes to their sockets, and nothing may delay the cancellation.
            job.cancel();
            Future<?>[] told = new Future<?>[workers];
            for (int w = 0; w < workers; w++) {
                if (conns[w] != null) {
                    told[w] = conns[w].sendAbort(globalStep(), message);
                }
            }
            long deadline = System.nanoTime() + ABORT_WAIT.toNanos();
            for (int w = 0; w < workers; w++) {
                if (told[w] == null) {
                    continue;
                }
                try {
                    told[w].get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (TimeoutException | ExecutionException e) {
                    conns[w].close("the abort could not be written within " + ABORT_WAIT.toMillis() + " ms");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    conns[w].close("interrupted while aborting");
                }
            }
        }

        String failureMessage(String what) {
            return "epoch " + (spec.epoch() + 1) + " stopped at step " + globalStep() + ": " + what
                    + (lastFailure != null ? "; last worker failure: " + lastFailure : "");
        }

        String afterLastStepMessage() {
            return "epoch " + (spec.epoch() + 1) + ": the barrier tasks did not finish within " + stepTimeout.toMillis() / 1000.0
                    + " s (the step timeout) after the epoch's last step (step " + (globalStep() - 1) + "); the job was cancelled";
        }

        String timeoutMessage() {
            List<Integer> silent = new ArrayList<>();
            List<Integer> absent = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                if (conns[w] == null) {
                    absent.add(w);
                } else if (pending[w] == null) {
                    silent.add(w);
                }
            }
            return "step " + globalStep() + " (epoch " + (spec.epoch() + 1) + ", step " + (step + 1) + " of " + plan.steps()
                    + ") timed out after " + stepTimeout.toMillis() / 1000.0 + " s: no gradient from workers " + silent
                    + (absent.isEmpty() ? "" : ", workers " + absent + " not connected (the barrier stage needs " + workers
                    + " task slots at once)") + (lastFailure != null ? "; last worker failure: " + lastFailure : "");
        }
    }
}
