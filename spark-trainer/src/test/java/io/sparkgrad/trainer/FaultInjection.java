package io.sparkgrad.trainer;

import io.sparkgrad.ingest.block.SampleBlock;
import org.apache.spark.TaskContext;
import org.apache.spark.util.TaskCompletionListener;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A replica factory that wraps another and misbehaves at one step, for fault tests. Local mode runs the tasks in
 * the test's JVM, so {@link #INJECTED} counts the faults that really happened.
 *
 * @param base      the factory whose replicas misbehave
 * @param mode      what goes wrong
 * @param step      the global step at which it goes wrong
 * @param partition the partition that misbehaves, or -1 for all
 */
public record FaultInjection(ReplicaFactory base, Mode mode, long step, int partition) implements ReplicaFactory {

    private static final long serialVersionUID = 1L;

    /** Faults injected so far in this JVM. */
    public static final AtomicInteger INJECTED = new AtomicInteger();

    /** What goes wrong. */
    public enum Mode {
        /** The task's first attempt throws (a retried task succeeds). */
        FAIL_ONCE,
        /** Every attempt throws. */
        FAIL_ALWAYS,
        /** The loss and one gradient value become NaN. */
        NAN,
        /** The task sleeps for a minute (until interrupted). */
        HANG,
        /** Evaluation (not training) sleeps for a minute (until interrupted) on the chosen partition. */
        HANG_IN_EVALUATION,
        /** The task computes the step, then hangs at its end: a completion listener sleeps a minute (until interrupted). */
        HANG_AT_TASK_END
    }

    @Override
    public ReplicaModel create(int threads) {
        return new Faulty(base.create(threads));
    }

    private final class Faulty extends ForwardingReplicaModel {
        private long current = -1;

        Faulty(ReplicaModel inner) {
            super(inner);
        }

        private boolean here() {
            return current == step && onChosenPartition();
        }

        private boolean onChosenPartition() {
            TaskContext ctx = TaskContext.get();
            return ctx != null && (partition < 0 || ctx.partitionId() == partition);
        }

        /** Sleeps for a minute, until the task is killed; {@code what} names it in the exception then. */
        private void hang(String what) {
            INJECTED.incrementAndGet();
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(what + " interrupted", e);
            }
        }

        @Override
        public void beginStep(long globalStep, long seed) {
            current = globalStep;
            inner.beginStep(globalStep, seed);
            if (!here()) {
                return;
            }
            TaskContext ctx = TaskContext.get();
            boolean first = ctx.attemptNumber() == 0 && ctx.stageAttemptNumber() == 0;
            if (mode == Mode.FAIL_ALWAYS || (mode == Mode.FAIL_ONCE && first)) {
                INJECTED.incrementAndGet();
                throw new IllegalStateException("injected fault at step " + globalStep + " on partition " + ctx.partitionId());
            }
            if (mode == Mode.HANG) {
                hang("hung task");
            }
            if (mode == Mode.HANG_AT_TASK_END && first) {
                ctx.addTaskCompletionListener((TaskCompletionListener) c -> hang("hung task end"));
            }
        }

        @Override
        public StepStats computeGradient(SampleBlock block, int[] order, int from, int count, float[] gradSumOut) {
            StepStats s = inner.computeGradient(block, order, from, count, gradSumOut);
            if (mode == Mode.NAN && here()) {
                INJECTED.incrementAndGet();
                gradSumOut[3] = Float.NaN;
                return new StepStats(Double.NaN, s.correct(), s.count());
            }
            return s;
        }

        @Override
        public StepStats evaluate(SampleBlock block, int from, int count) {
            if (mode == Mode.HANG_IN_EVALUATION && onChosenPartition()) {
                hang("hung evaluation");
            }
            return inner.evaluate(block, from, count);
        }
    }
}
